"""Open Badges 2.0 and 3.0 documents of Journey's awards: pure builders, no Flask, no SQL.

- catalogue.py: every award (facilitator recognitions and rule badges) of a log prefix,
  with its recipient, issuer, revocation and evidence positions;
- documents.py: OB 2.0 Profile / BadgeClass / Assertion / RevocationList, the OB 3.0
  OpenBadgeCredential and each issuer's BitstringStatusListCredential (revocation) built
  from the catalogue;
- png.py: a tiny PNG encoder (generated badge images) and the `openbadges` iTXt chunk;
- didkey.py: base58btc and did:key of an Ed25519 public key;
- contexts.py: the JSON-LD contexts, bundled (no network at runtime);
- proof.py: the Data Integrity proof `eddsa-rdfc-2022` (RDFC-1.0 via pyld, Ed25519).
"""

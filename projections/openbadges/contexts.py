"""The JSON-LD contexts the OB 3.0 credentials use, bundled: nothing is fetched at runtime.

The published documents are stored verbatim in `jsonld/` (see jsonld/README.md for where
each copy comes from):

- `VC_V2`: the W3C Verifiable Credentials Data Model 2.0 context, byte for byte the
  document served at https://www.w3.org/ns/credentials/v2 (SHA-256 `VC_V2_SHA256`, the
  digest the Recommendation publishes);
- `OB_V3`: the 1EdTech Open Badges 3.0.3 context served at
  https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json.

`document_loader` serves these two and refuses every other URL, so canonicalisation never
touches the network and a credential naming an unknown context is invalid.
"""
from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

VC_V2_URL = "https://www.w3.org/ns/credentials/v2"
OB_V3_URL = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
OB_V2_URL = "https://w3id.org/openbadges/v2"

#: The SHA-256 of the published VC 2.0 context (VC Data Model 2.0, appendix "Base Context").
VC_V2_SHA256 = "59955ced6697d61e03f2b2556febe5308ab16842846f5b586d7f1f7adec92734"

JSONLD_DIR = Path(__file__).with_name("jsonld")

#: The bundled file of each context URL.
FILES: dict[str, str] = {
    VC_V2_URL: "credentials-v2.json",
    OB_V3_URL: "ob-v3p0-context-3.0.3.json",
}


def _load(name: str) -> dict[str, Any]:
    with (JSONLD_DIR / name).open(encoding="utf-8") as handle:
        return json.load(handle)


VC_V2: dict[str, Any] = _load(FILES[VC_V2_URL])
OB_V3: dict[str, Any] = _load(FILES[OB_V3_URL])

CONTEXTS: dict[str, dict[str, Any]] = {VC_V2_URL: VC_V2, OB_V3_URL: OB_V3}


class UnknownContext(Exception):
    """A document names a context that is not bundled (nothing is fetched)."""


def document_loader(url: str, options: dict[str, Any] | None = None) -> dict[str, Any]:
    """pyld's document loader over the bundled contexts only."""
    document = CONTEXTS.get(url)
    if document is None:
        from pyld.jsonld import JsonLdError
        raise JsonLdError(f"context {url} is not bundled and nothing is fetched",
                          "jsonld.LoadDocumentError", code="loading document failed")
    return {"contextUrl": None, "documentUrl": url, "document": copy.deepcopy(document)}

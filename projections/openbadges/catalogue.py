"""Every award of a log prefix: facilitator recognitions and rule badges, standing or revoked.

Pure: records in (a prefix of the log, in any order), a `Catalogue` out. What each award
is for Open Badges:
- a recognition (RecognitionAwarded) stands until its RecognitionRevoked, then is revoked
  with the facilitator's reason; its badge is the community's BadgeDefined, its issuer the
  community's network (or the installation when the community has none);
- a rule badge (projections/badges) is issued by the installation. Its award id hashes its
  evidence, so when evidence is retracted, corrected or made private the award is
  re-derived (another id) or disappears: every id the member held in an earlier prefix
  and no longer holds is revoked, at the first targeting event after which it vanished;
- an erased member's awards are all revoked ("erased"), with no personal data kept.

Each award also knows the log position at which it first existed (`appeared`): the
RecognitionAwarded, or the first prefix of the log over which the rule engine earns it.
An award's index in its issuer's Bitstring Status List is not computed here: a change of
the rules adds awards that appear in the past, or removes awards, so any rank recomputed
on a build would move. The index is allocated once, when the award first appears in the
present catalogue (status_index.py, in `(appeared, award_id)` order:
`in_appearance_order`), and the service gives it to the catalogue (`indexes`).
"""
from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Sequence
from copy import copy
from dataclasses import dataclass, field, replace
from datetime import datetime

from events.crypto import is_ciphertext
from journey import events as ev
from journey.records import Recorded
from projections.badges.engine import Prefixes, RuleAward
from projections.badges.recognitions import fold_recognitions
from projections.badges.spec import Rule, load_rules
from projections.index.keys import Filing, key, member_key

#: The key of a rule's badge is RULE_PREFIX + its id: a namespace no community badge may
#: take (the schema refuses such a BadgeDefined; `catalogue_of` leaves out one a log
#: written before that holds).
RULE_PREFIX = ev.RULE_BADGE_PREFIX
#: Why a rule award vanished, by the type of the event after which it did.
RULE_REASONS = {
    "EntryRetracted": "evidence for this badge was retracted",
    "EntryCorrected": "evidence for this badge was corrected; the badge was re-derived",
    "ReflectionVisibilityChanged": "evidence for this badge was made private",
}
ERASED_REASON = "the recipient's data was erased at their request"


@dataclass(frozen=True)
class Badge:
    """A BadgeClass: a community's BadgeDefined or a rule of rules.json."""

    key: str                    # badge_id, or "rules/<rule id>"
    name: str
    description: str
    criteria: str
    network_id: str | None      # the issuer (None: the installation)
    community_id: str | None = None
    #: The content hash of the image a facilitator uploaded (a PNG in the uploads store),
    #: or None: the badge's image is then generated.
    image: str | None = None


@dataclass(frozen=True, slots=True)
class Evidence:
    position: int
    type: str
    occurred_at: datetime
    community_id: str | None


@dataclass(frozen=True, slots=True)
class Award:
    award_id: str
    kind: str                   # "recognition" | "rule"
    member_id: str
    badge: str                  # a Badge key
    issued_at: datetime
    evidence: tuple[int, ...]
    email: str | None           # None: no e-mail, or erased
    erased: bool = False
    revoked: bool = False
    revocation_reason: str | None = None
    revoked_at: datetime | None = None
    #: The log position at which the award first existed (see the module's docstring).
    appeared: int = 0


@dataclass
class Catalogue:
    awards: dict[str, Award] = field(default_factory=dict)
    badges: dict[str, Badge] = field(default_factory=dict)
    networks: dict[str, str] = field(default_factory=dict)     # id -> name
    evidence: dict[int, Evidence] = field(default_factory=dict)
    erased: set[str] = field(default_factory=set)
    #: By issuer (a network id, None: the installation), award id -> its allocated index
    #: in the issuer's status list (status_index.py), including awards that left the
    #: catalogue since. None until the service gives them.
    indexes: dict[str | None, dict[str, int]] | None = field(default=None, repr=False)

    def issuer_of(self, award: Award) -> str | None:
        badge = self.badges.get(award.badge)
        return badge.network_id if badge else None

    def of_issuer(self, network_id: str | None) -> list[Award]:
        return [a for a in self.awards.values() if self.issuer_of(a) == network_id]

    def by_issuer(self) -> dict[str | None, list[Award]]:
        """Every award, grouped by issuer (one pass, where of_issuer is one per issuer)."""
        out: dict[str | None, list[Award]] = {}
        for award in self.awards.values():
            out.setdefault(self.issuer_of(award), []).append(award)
        return out

    def status_indexes(self, network_id: str | None) -> dict[str, int]:
        """award id -> its allocated index in the issuer's status list."""
        if self.indexes is None:
            raise LookupError("this catalogue was given no status list indexes")
        return self.indexes.get(network_id, {})

    def status_index(self, award: Award) -> int:
        return self.status_indexes(self.issuer_of(award))[award.award_id]


def in_appearance_order(awards: Iterable[Award]) -> list[Award]:
    """Awards in the order new ones are given status list indexes: by appearance."""
    return sorted(awards, key=lambda a: (a.appeared, a.award_id))


def _rule_badges(rules: Sequence[Rule]) -> dict[str, Badge]:
    return {RULE_PREFIX + r.id: Badge(RULE_PREFIX + r.id, r.name, r.description,
                                      _criteria_text(r), None)
            for r in rules}


def _criteria_text(rule) -> str:
    crit = rule.criteria
    kinds = sorted({s.type for s in crit.events})
    text = f"{crit.count} or more recorded event(s) of type {', '.join(kinds)}"
    if crit.distinct:
        text += ", with " + ", ".join(f"{n} different {k}s" for k, n in crit.distinct)
    if crit.within_days:
        text += f", within {crit.within_days} days"
    return f"{rule.description} Awarded automatically by Journey for {text}."


def _related(records: Iterable[Recorded], member_id: str) -> set[str]:
    from projections.views import _related as related  # the portfolio's own rule
    return related(records, member_id)


def email_of(registration: ev.MemberRegistered) -> str | None:
    """A registration's e-mail, when it has one that is readable (None: none, or erased)."""
    email = registration.email
    return email if email and not is_ciphertext(email) else None


class _Facts:
    """What a catalogue reads of the whole log, folded in position order: the networks,
    each community's network, the members (in registration order) with their e-mails,
    the erasures, the badge definitions, and every event as evidence. Each fact keeps the
    position it came from, so the facts of any earlier prefix are a filter (`upto`)."""

    def __init__(self) -> None:
        self.networks: dict[str, tuple[str, int]] = {}         # id -> (name, position)
        self.community_network: dict[str, str | None] = {}
        self.members: dict[str, int] = {}                      # id -> registered at
        self.emails: dict[str, str | None] = {}
        self.erased: dict[str, int] = {}                       # id -> erased at
        self.badges: dict[str, tuple[Badge, int]] = {}         # key -> (badge, defined at)
        self.evidence: dict[int, Evidence] = {}
        self.last = 0

    def add(self, records: Iterable[Recorded]) -> "_Facts":
        for rec in records:
            e, at = rec.event, rec.position
            if isinstance(e, ev.NetworkCreated):
                self.networks.setdefault(e.network_id, (e.name, at))
            elif isinstance(e, ev.CommunityFounded):
                self.community_network.setdefault(e.community_id, e.network_id)
            elif isinstance(e, ev.MemberRegistered):
                if e.member_id not in self.members:
                    self.members[e.member_id] = at
                    self.emails[e.member_id] = email_of(e)
            elif isinstance(e, ev.MemberErased):
                self.erased.setdefault(e.member_id, at)
            elif isinstance(e, ev.BadgeDefined):
                if e.badge_id not in self.badges:
                    self.badges[e.badge_id] = (Badge(
                        e.badge_id, e.name, e.description, e.criteria,
                        self.community_network.get(e.community_id), e.community_id,
                        e.image), at)
            self.evidence[at] = Evidence(at, e.type, rec.occurred_at,
                                         getattr(e, "community_id", None))
            self.last = at
        return self

    def members_upto(self, upto: int) -> list[str]:
        return [m for m, at in self.members.items() if at <= upto]

    def networks_upto(self, upto: int) -> dict[str, str]:
        return {n: name for n, (name, at) in self.networks.items() if at <= upto}

    def erased_upto(self, upto: int) -> set[str]:
        return {m for m, at in self.erased.items() if at <= upto}

    def badges_upto(self, upto: int) -> dict[str, Badge]:
        return {k: badge for k, (badge, at) in self.badges.items() if at <= upto}

    def evidence_upto(self, upto: int) -> dict[int, Evidence]:
        if upto >= self.last:
            return dict(self.evidence)
        return {p: e for p, e in self.evidence.items() if p <= upto}


#: Loads the records at positions (ascending) that a build needs: `load(positions)`.
Load = Callable[[list[int]], list[Recorded]]


class CatalogueMemo:
    """What a caller that builds catalogues again and again keeps between builds: the
    filing (index) of the log it has read, the facts of the whole log, and each member's
    awards by what they were derived from. No record is kept: a build loads the records
    of the members it derives again.

    A member's awards are a function of the records filed under their keys (and of the
    rules): the same keys, each with as many positions up to a build's last one, are the
    same records, since a filing only grows at its end. So a catalogue after a few
    appends derives again only the members the new events concern, and the others cost a
    few bisections. Good for one `rules` only. Its one personal value is each member's
    e-mail: after an erasure, `forget_emails`.
    """

    def __init__(self) -> None:
        self.filing = Filing()
        self.facts = _Facts()
        #: member -> (counts of the own keys, all keys, counts of all keys, their awards,
        #: derived as if not erased)
        self.entries: dict[str, tuple[tuple[int, ...], tuple[str, ...], tuple[int, ...],
                                      list[Award]]] = {}

    @property
    def last(self) -> int:
        """The last position read into the memo (0: none)."""
        return self.filing.last

    def add(self, records: Iterable[Recorded]) -> "CatalogueMemo":
        """Read `records`, in position order, each after the last position read."""
        records = list(records)
        self.filing.add(records)
        self.facts.add(records)
        return self

    def counts(self, keys: Iterable[str], upto: int) -> tuple[int, ...]:
        positions = self.filing.positions
        return tuple(bisect_right(positions.get(k, ()), upto) for k in keys)

    # A memo pickled (a snapshot, web/openbadges/service.py) carries no personal value: the
    # e-mails are left out, and given back from the log when it is loaded (`with_emails`).

    def __getstate__(self) -> dict:
        facts = copy(self.facts)
        facts.emails = {}
        entries = {member: (own, keys, counts, [_with_email(a, None) for a in awards])
                   for member, (own, keys, counts, awards) in self.entries.items()}
        return {"filing": self.filing, "facts": facts, "entries": entries}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)

    def forget_emails(self, member_ids: Iterable[str]) -> None:
        """Drop the e-mails of members just erased (the memo's one personal value)."""
        self._give_emails(dict.fromkeys(member_ids))

    def with_emails(self, emails: dict[str, str | None]) -> "CatalogueMemo":
        """Give a loaded memo its members' e-mails (each registration's, as `_Facts`
        reads it) back."""
        self._give_emails(emails)
        return self

    def _give_emails(self, emails: dict[str, str | None]) -> None:
        """Members' e-mails, in the facts and in the awards derived for them."""
        for member, email in emails.items():
            self.facts.emails[member] = email
            entry = self.entries.get(member)
            if entry is not None:
                own, keys, counts, awards = entry
                self.entries[member] = (own, keys, counts,
                                        [_with_email(a, email) for a in awards])


def catalogue(records: Iterable[Recorded], erased: Iterable[str] = (),
              rules: Sequence[Rule] | None = None) -> Catalogue:
    """Every award of `records` (a prefix of the log); `erased`: members erased since.

    An erasure reaches back over every moment, so an as-of catalogue is given the
    erasures of the whole log.
    """
    records = sorted(records, key=lambda r: r.position)
    at = {rec.position: rec for rec in records}
    memo = CatalogueMemo().add(records)
    return catalogue_of(memo, memo.last, lambda positions: [at[p] for p in positions],
                        erased, rules)


def catalogue_of(memo: CatalogueMemo, upto: int, load: Load, erased: Iterable[str] = (),
                 rules: Sequence[Rule] | None = None) -> Catalogue:
    """The catalogue of the log up to position `upto` (at most the memo's last), from a
    memo kept between builds: only the members whose records changed are derived again,
    from the records `load` gives (see CatalogueMemo). `erased`, `rules`: as `catalogue`.
    """
    rules = load_rules() if rules is None else rules
    facts = memo.facts
    # A community badge in the rule badges' namespace (only a log written before the
    # schema refused one holds it) is left out, with its recognitions: published, it
    # would pass for Journey's own badge (a rule of now, or of a later rules.json), issued
    # by the installation. An award of one published before leaves the catalogue, so its
    # status bit is set (status_index.py).
    out = Catalogue(badges={**_rule_badges(rules),
                            **{k: b for k, b in facts.badges_upto(upto).items()
                               if not k.startswith(RULE_PREFIX)}},
                    networks=facts.networks_upto(upto), evidence=facts.evidence_upto(upto),
                    erased=facts.erased_upto(upto) | set(erased))

    def records_of(keys: Sequence[str], have: list[Recorded] = ()) -> list[Recorded]:
        positions = memo.filing.positions_of(keys, upto)
        held = {rec.position: rec for rec in have}
        loaded = iter(load([p for p in positions if p not in held]))
        return [held[p] if p in held else next(loaded) for p in positions]

    for member in facts.members_upto(upto):
        own_keys = (member_key(member), key("person", member))
        own_counts = memo.counts(own_keys, upto)
        entry = memo.entries.get(member)
        if entry is not None and entry[0] == own_counts \
                and memo.counts(entry[1], upto) == entry[2]:
            awards = entry[3]
        else:
            own = records_of(own_keys)
            keys = (*own_keys, *sorted(_related(own, member)))
            awards = _member_awards(member, records_of(keys, own), facts.emails.get(member),
                                    rules)
            memo.entries[member] = (own_counts, keys, memo.counts(keys, upto), awards)
        is_erased = member in out.erased
        for award in awards:
            if award.kind == "recognition" and award.badge.startswith(RULE_PREFIX):
                continue    # a community badge in the rules' namespace: see above
            out.awards[award.award_id] = _erase(award) if is_erased else award
    return out


def _member_awards(member: str, mine: list[Recorded], email: str | None,
                   rules: Sequence[Rule]) -> list[Award]:
    """A member's recognitions and rule awards, from the records filed under their keys."""
    # `mine` holds the BadgeDefined of their recognitions' badges (`_related` adds each
    # one's badge key): the fold needs no other definition.
    fold = fold_recognitions(member, mine)
    recognitions = [Award(item.award_id, "recognition", member, item.badge_id,
                          item.awarded_at, item.evidence, email, False, item.revoked,
                          item.revoked_reason, item.revoked_at, item.position)
                    for item in (*fold.standing, *fold.revoked)]
    return recognitions + _rule_history(member, mine, email, rules)


def _with_email(award: Award, email: str | None) -> Award:
    return replace(award, email=email)


def _erase(award: Award) -> Award:
    return replace(award, email=None, erased=True, revoked=True,
                   revocation_reason=ERASED_REASON)


def _rule_history(member: str, records: list[Recorded], email: str | None,
                  rules: Sequence[Rule]) -> list[Award]:
    """The member's rule awards now, and those of earlier prefixes that vanished."""
    prefixes = Prefixes(member, records, rules)
    cuts, positions = prefixes.cuts, prefixes.positions

    def appeared(a: RuleAward) -> int:
        """The position of the first prefix over which `a` is earned.

        Not before its last evidence (its id names that); between two cuts the awards
        only grow as records are added (engine.py), so each stretch is searched by halves.
        With no cut after the event with which the rule first held (`reached`), the prefix
        ending there already earns it, as nothing after it changed what came before.
        """
        if a.reached and (not cuts or cuts[-1] < bisect_left(positions, a.reached)):
            return a.reached
        start = bisect_left(positions, max(a.positions)) + 1
        if prefixes.holds(a, start):
            return positions[start - 1]     # the usual case: earned by its last evidence
        for end in [*(i for i in cuts if i >= start), len(records)]:
            if end < start or not prefixes.holds(a, end):
                continue
            low, high = start, end
            while low < high:
                middle = (low + high) // 2
                if prefixes.holds(a, middle):
                    high = middle
                else:
                    low = middle + 1
            return positions[low - 1]
        return positions[-1]

    def award(a: RuleAward, revoked_by: Recorded | None = None) -> Award:
        return Award(a.award_id, "rule", member, RULE_PREFIX + a.rule_id, a.earned_at,
                     a.positions, email, False, revoked_by is not None,
                     RULE_REASONS.get(revoked_by.type) if revoked_by else None,
                     revoked_by.occurred_at if revoked_by else None, appeared(a))

    now = prefixes.earned(len(records))
    held: dict[str, tuple] = {}   # id -> (RuleAward, the cut before which it was held)
    after: dict[int, set[str]] = {}
    for i in cuts:
        for a in prefixes.earned(i).values():
            held.setdefault(a.award_id, (a, i))
        after[i] = set(prefixes.earned(i + 1))
    out = []
    for award_id, (a, seen) in held.items():
        if award_id in now:
            continue
        # the first targeting event (from where it was held) after which it is gone
        for i in cuts:
            if i >= seen and award_id not in after[i]:
                out.append(award(a, records[i]))
                break
    return out + [award(a) for a in now.values()]

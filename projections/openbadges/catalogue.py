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
present catalogue (status_index.py, in `(appeared, award_id)` order: `by_appearance`), and
the service gives it to the catalogue (`indexes`).
"""
from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from events.crypto import is_ciphertext
from journey import events as ev
from journey.records import Recorded
from projections.badges.engine import earned_badges
from projections.badges.recognitions import fold_recognitions
from projections.badges.spec import Rule, load_rules
from projections.index.keys import index, key, member_key

RULE_PREFIX = "rules/"
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


@dataclass(frozen=True)
class Evidence:
    position: int
    type: str
    occurred_at: datetime
    community_id: str | None


@dataclass(frozen=True)
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

    def by_appearance(self, network_id: str | None) -> list[Award]:
        """The issuer's awards in the order new ones are given indexes: by appearance."""
        return sorted(self.of_issuer(network_id), key=lambda a: (a.appeared, a.award_id))

    def status_indexes(self, network_id: str | None) -> dict[str, int]:
        """award id -> its allocated index in the issuer's status list."""
        if self.indexes is None:
            raise LookupError("this catalogue was given no status list indexes")
        return self.indexes.get(network_id, {})

    def status_index(self, award: Award) -> int:
        return self.status_indexes(self.issuer_of(award))[award.award_id]


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


def catalogue(records: Iterable[Recorded], erased: Iterable[str] = (),
              memo: dict | None = None, used: dict | None = None,
              rules: Sequence[Rule] | None = None) -> Catalogue:
    """Every award of `records` (a prefix of the log); `erased`: members erased since.

    An erasure reaches back over every moment, so an as-of catalogue is given the
    erasures of the whole log. `memo` (read) and `used` (written) cache each member's
    rule awards by the positions they were derived from: the same positions give the
    same awards, so a catalogue after a few appends re-derives only who they concern
    (a memo is only good for the same `rules`: default, the repository's rules.json).
    """
    rules = load_rules() if rules is None else rules
    records = sorted(records, key=lambda r: r.position)
    out = Catalogue(badges=_rule_badges(rules))
    community_network: dict[str, str | None] = {}
    members: list[str] = []
    emails: dict[str, str | None] = {}
    erased = set(erased)
    for rec in records:
        e = rec.event
        if isinstance(e, ev.NetworkCreated):
            out.networks.setdefault(e.network_id, e.name)
        elif isinstance(e, ev.CommunityFounded):
            community_network.setdefault(e.community_id, e.network_id)
        elif isinstance(e, ev.MemberRegistered):
            members.append(e.member_id)
            email = e.email if e.email and not is_ciphertext(e.email) else None
            emails.setdefault(e.member_id, email)
        elif isinstance(e, ev.MemberErased):
            erased.add(e.member_id)
        elif isinstance(e, ev.BadgeDefined):
            if e.badge_id not in out.badges:
                out.badges[e.badge_id] = Badge(e.badge_id, e.name, e.description, e.criteria,
                                               community_network.get(e.community_id),
                                               e.community_id, e.image)
        community = getattr(e, "community_id", None)
        out.evidence[rec.position] = Evidence(rec.position, e.type, rec.occurred_at,
                                              community)

    out.erased = erased
    filed = index(records)
    by_key: dict[str, list[int]] = defaultdict(list)
    for position, keys in filed.items():
        for k in keys:
            by_key[k].append(position)
    at = {rec.position: rec for rec in records}
    definitions = [r for r in records if isinstance(r.event, ev.BadgeDefined)]

    def subset(keys: Iterable[str]) -> list[Recorded]:
        return [at[p] for p in sorted({p for k in keys for p in by_key.get(k, ())})]

    for member in dict.fromkeys(members):
        own = subset([member_key(member), key("person", member)])
        mine = subset([member_key(member), key("person", member),
                       *_related(own, member)])
        is_erased = member in erased
        email = None if is_erased else emails.get(member)
        # Recognitions: the badges of the member's awards are read from the whole log.
        fold = fold_recognitions(member, mine + definitions)
        for item in (*fold.standing, *fold.revoked):
            out.awards[item.award_id] = Award(
                item.award_id, "recognition", member, item.badge_id, item.awarded_at,
                item.evidence, email, is_erased, item.revoked or is_erased,
                ERASED_REASON if is_erased else item.revoked_reason,
                item.revoked_at, item.position)
        memo_key = (member, tuple(r.position for r in mine), email)
        history = memo.get(memo_key) if memo is not None else None
        if history is None:
            history = _rule_history(member, mine, email, rules)
        if used is not None:
            used[memo_key] = history
        for award in history:
            out.awards[award.award_id] = _erase(award, email) if is_erased else award
    return out


def _erase(award: Award, email: str | None) -> Award:
    return Award(award.award_id, award.kind, award.member_id, award.badge, award.issued_at,
                 award.evidence, None, True, True, ERASED_REASON, award.revoked_at,
                 award.appeared)


def _rule_history(member: str, records: list[Recorded], email: str | None,
                  rules: Sequence[Rule]) -> list[Award]:
    """The member's rule awards now, and those of earlier prefixes that vanished."""
    cuts = [i for i, r in enumerate(records)
            if r.type in ("EntryRetracted", "EntryCorrected", "ReflectionVisibilityChanged")]
    earned: dict[int, list] = {}    # n -> the awards earned over records[:n]

    def earned_over(n: int) -> list:
        if n not in earned:
            earned[n] = earned_badges(member, records[:n], rules)
        return earned[n]

    positions = [r.position for r in records]

    def appeared(a) -> int:
        """The position of the first prefix over which `a` is earned.

        Not before its last evidence (its id names that); between two cuts the awards
        only grow as records are added (engine.py), so each stretch is searched by halves.
        With no cut after the event with which the rule first held (`reached`), the prefix
        ending there already earns it, as nothing after it changed what came before.
        """
        if a.reached and (not cuts or cuts[-1] < bisect_left(positions, a.reached)):
            return a.reached
        start = bisect_left(positions, max(a.positions)) + 1
        if any(b.award_id == a.award_id for b in earned_over(start)):
            return positions[start - 1]     # the usual case: earned by its last evidence
        for end in [*(i for i in cuts if i >= start), len(records)]:
            if end < start or not any(b.award_id == a.award_id for b in earned_over(end)):
                continue
            low, high = start, end
            while low < high:
                middle = (low + high) // 2
                if any(b.award_id == a.award_id for b in earned_over(middle)):
                    high = middle
                else:
                    low = middle + 1
            return positions[low - 1]
        return positions[-1]

    def award(a, revoked_by: Recorded | None = None) -> Award:
        return Award(a.award_id, "rule", member, RULE_PREFIX + a.rule_id, a.earned_at,
                     a.positions, email, False, revoked_by is not None,
                     RULE_REASONS.get(revoked_by.type) if revoked_by else None,
                     revoked_by.occurred_at if revoked_by else None, appeared(a))

    now = {a.award_id: a for a in earned_over(len(records))}
    held: dict[str, tuple] = {}   # id -> (RuleAward, the cut before which it was held)
    after: dict[int, set[str]] = {}
    for i in cuts:
        for a in earned_over(i):
            held.setdefault(a.award_id, (a, i))
        after[i] = {b.award_id for b in earned_over(i + 1)}
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


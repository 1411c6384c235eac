"""The four stories of the seeds, each written as one Script of items.

- serbia: five SEL communities of practice in five Serbian schools (2022 - early 2025), each
  running participatory action research, plus their cross-school horizontal learning;
- cross_border: teachers in displacement settings in Nigeria, Lebanon and Kenya, a virtual
  community on quality holistic learning (founded late 2022, calls 2023-2024);
- pathways: the 2024 Pathways to Teaching virtual CoP, 40 aspiring teachers, 12 coaches,
  3 staff;
- macedonia: learning communities in 10 North Macedonian schools teaching in Turkish,
  Serbian and Bosnian (2019-2022), a mentor each who hands facilitation over.

`cohort` > 1 (scale "full") repeats a story in other places with other people.
"""
from __future__ import annotations

from datetime import datetime

from journey.demo import names as nm
from journey.demo import texts as tx
from journey.demo.engine import (LEADING, Activity, Community, Person, Program, Script, Texts,
                                 at, attendees, correct_cycle, days, follow_up, minutes, months,
                                 network, register, retract_reflection, school_days, slug, typo,
                                 visibility_change)

# -- catalogue (cohort 1): the ids the tests and the docs can rely on ---------------------------

RS_NETWORK = "sel-serbia"
RS_SCHOOLS = (("Stepojevac", "OŠ „Branko Radičević“"), ("Vršac", "OŠ „Jovan Sterija Popović“"),
              ("Kragujevac", "OŠ „Sveti Sava“"), ("Niš", "OŠ „Vuk Karadžić“"),
              ("Čačak", "OŠ „Desanka Maksimović“"))
RS_COMMUNITIES = ("stepojevac-1", "vrsac-1", "kragujevac-1", "nis-1", "cacak-1")
RS_HORIZONTAL = "sel-serbia-horizontal"
QHL_NETWORK = "qhl-displacement"
QHL_COMMUNITY = "qhl-cop"
PTP_NETWORK = "ptp"
PTP_COMMUNITY = "ptp-2024"
MK_NETWORK = "lc-mk"
MK_SCHOOLS = (  # (town, school, language of instruction)
    ("Gostivar", "OOU „Yunus Emre“", "Turkish"),
    ("Plasnica", "OOU „Nâzım Hikmet“", "Turkish"),
    ("Centar Župa", "OOU „Mehmet Akif Ersoy“", "Turkish"),
    ("Vrapčište", "OOU „Hasan Tahsin“", "Turkish"),
    ("Kumanovo", "OOU „Vuk Karadžić“", "Serbian"),
    ("Staro Nagoričane", "OOU „Sveti Sava“", "Serbian"),
    ("Kučevište", "OOU „Branko Radičević“", "Serbian"),
    ("Batinci", "OOU „Mehmedalija Mak Dizdar“", "Bosnian"),
    ("Ljubin", "OOU „Meša Selimović“", "Bosnian"),
    ("Dolno Količani", "OOU „Hamza Humo“", "Bosnian"),
)
MK_COMMUNITIES = tuple(f"{slug(town)}-1" for town, _, _ in MK_SCHOOLS)

#: Job titles by which the Pathways to Teaching people can be told apart.
PTP_STAFF_TITLE = "CPL staff"
PTP_COACH_TITLE = "coach"
PTP_ASPIRING_TITLE = "aspiring teacher"

_RS_MORE_TOWNS = ("Subotica", "Kraljevo", "Šabac", "Valjevo", "Zrenjanin", "Pirot", "Užice",
                  "Sombor", "Leskovac", "Smederevo", "Novi Pazar", "Jagodina", "Loznica",
                  "Pančevo", "Kikinda", "Bor", "Zaječar", "Prokuplje", "Vranje", "Ivanjica",
                  "Aranđelovac", "Paraćin", "Negotin", "Ruma", "Inđija", "Obrenovac",
                  "Lazarevac", "Mladenovac", "Gornji Milanovac", "Sremska Mitrovica")
_RS_PATRONS = ("Vuk Karadžić", "Sveti Sava", "Dositej Obradović", "Branko Radičević",
               "Jovan Jovanović Zmaj", "Desanka Maksimović", "Njegoš", "Nikola Tesla",
               "Milutin Milanković", "Đura Jakšić", "Stevan Sremac", "Ivo Andrić",
               "Miloš Crnjanski")
_RS_SUBJECTS = ("class teacher (grades 1-4)", "class teacher (grades 1-4)",
                "subject teacher, mathematics", "subject teacher, Serbian language",
                "subject teacher, English", "subject teacher, biology",
                "subject teacher, history", "subject teacher, physical education",
                "subject teacher, music", "subject teacher, geography",
                "subject teacher, art", "subject teacher, physics")
_MK_SUBJECTS = ("class teacher (grades 1-5)", "class teacher (grades 1-5)",
                "subject teacher, mathematics", "subject teacher, {language} language",
                "subject teacher, Macedonian language", "subject teacher, English",
                "subject teacher, natural sciences", "subject teacher, history",
                "subject teacher, music", "subject teacher, art",
                "subject teacher, physical education", "subject teacher, informatics")
_MK_POOLS = {
    "Turkish": ((nm.TURKISH, 0.7), (nm.ALBANIAN, 0.2), (nm.MACEDONIAN, 0.1)),
    "Serbian": ((nm.SERBIAN, 0.75), (nm.MACEDONIAN, 0.25)),
    "Bosnian": ((nm.BOSNIAK, 0.8), (nm.MACEDONIAN, 0.1), (nm.ALBANIAN, 0.1)),
}


def _suffix(cohort: int) -> str:
    return "" if cohort == 1 else f"-{cohort}"


def _pool(s: Script, weighted) -> nm.Pool:
    pools, weights = zip(*weighted)
    return s.rng.choices(pools, weights=weights)[0]


def _clock(s: Script, moment: datetime, hours=(8, 9, 10, 11)) -> datetime:
    return moment.replace(hour=s.rng.choice(hours), minute=s.rng.choice((0, 15, 30, 45)))


# == Serbia ===================================================================================

class _RsSchool:
    """One Serbian school's CoP and what its PAR needs to remember."""

    def __init__(self, c: Community, mentor: Person, principal: Person, service: Person,
                 teachers: list[Person]) -> None:
        self.c = c
        self.mentor = mentor
        self.principal = principal
        self.service = service
        self.teachers = teachers
        self.plan_id = ""
        self.steps: list[str] = []
        self.added: tuple[str, ...] = ()
        self.third: tuple[str, ...] = ()
        self.co_facilitator: str | None = None  # from the second year on
        self.act = Activity(reflect=0.3, share=0.45, reuse=0.12)


def serbia(program: Program, cohort: int = 1) -> Script:
    s = Script(program)
    rng = s.rng
    sfx = _suffix(cohort)
    cip = register(s, nm.SERBIAN, "programme coordinator, CIP Center for Interactive Pedagogy",
                   "CIP Center for Interactive Pedagogy, Belgrade", at(2022, 2, 7, 9, 12))
    uni = register(s, nm.SERBIAN, "researcher, Faculty of Philosophy",
                   "University of Belgrade", at(2022, 2, 8, 10, 3))
    network_id = RS_NETWORK + sfx
    network(s, network_id, tx.RS_NETWORK_NAME, tx.RS_PROGRAMME, cip, at(2022, 2, 14, 10),
            "2022-01-01", "2025-03-31")
    if cohort == 1:
        places = RS_SCHOOLS
    else:
        places = tuple((_RS_MORE_TOWNS[(5 * (cohort - 2) + i) % len(_RS_MORE_TOWNS)],
                        f"OŠ „{_RS_PATRONS[(cohort * 5 + i) % len(_RS_PATRONS)]}“")
                       for i in range(5))
    schools = [_rs_school(s, program, network_id, town, name, i, (cip, uni))
               for i, (town, name) in enumerate(places)]
    horizontal = Community(s, RS_HORIZONTAL + sfx, Texts(tx.RS_REFLECTIONS, tx.RS_RESOURCES))
    calendar = months((2022, 10), (2025, 2))
    network_meetings = {(2023, 6): 0, (2024, 5): 1, (2024, 11): 2, (2025, 2): 3}
    for k, (year, month) in enumerate(calendar):
        if (year, month) == (2023, 5):
            _rs_horizontal_found(horizontal, schools, cip, uni, network_id)
        if (year, month) == (2023, 6):
            for school in schools:  # from now on the schools learn from each other
                school.act.neighbours = [o.c for o in schools if o is not school]
        for i, school in enumerate(schools):
            _rs_month(school, k, year, month, len(calendar), i)
        if (year, month) in network_meetings:
            _rs_horizontal_meeting(horizontal, network_meetings[(year, month)], year, month,
                                   schools, cip)
    return s


def _rs_school(s: Script, program: Program, network_id: str, town: str, name: str, idx: int,
               coordinators: tuple[Person, Person]) -> _RsSchool:
    rng = s.rng
    school = f"{name}, {town}"
    cid = program.community_id(slug(town))
    founded = _clock(s, school_days(2022, 9, rng, first_day=12, last_day=28))
    mentor_job = rng.choice(("school pedagogue", "school psychologist", "class teacher"))
    mentor = register(s, nm.SERBIAN, f"{mentor_job}, CoP mentor", school,
                      founded - days(rng.randint(3, 8)))
    c = Community(s, cid, Texts(tx.RS_REFLECTIONS, tx.RS_RESOURCES))
    c.found(mentor, founded, f"SEL community of practice, {school}", tx.RS_DOMAIN,
            network_id=network_id, schools=(school,), mode="in_person",
            cadence="monthly, after classes")
    c.join_coordinators(coordinators, [founded + days(1) + minutes(rng.randint(0, 300))
                                       for _ in coordinators], mentor)
    first = school_days(2022, 10, rng, first_day=4, last_day=14).replace(hour=12, minute=30)
    signup = first - days(rng.randint(3, 10))
    principal = register(s, nm.SERBIAN, "school principal", school, signup)
    service = register(s, nm.SERBIAN, "school psychologist" if mentor_job != "school psychologist"
                       else "school pedagogue", school, signup + minutes(rng.randint(5, 200)))
    teachers = [register(s, nm.SERBIAN, rng.choice(_RS_SUBJECTS), school,
                         signup + minutes(rng.randint(5, 2000)))
                for _ in range(rng.randint(10, 12))]
    for p in [principal, service] + teachers:
        c.join(p, first.replace(hour=8) + minutes(rng.randint(0, 150)), by=mentor.mid)
    rs = _RsSchool(c, mentor, principal, service, teachers)
    # Newcomers in September 2023, and a colleague who moves to another school in July.
    newcomers = [register(s, nm.SERBIAN, rng.choice(_RS_SUBJECTS), school,
                          at(2023, 9, rng.randint(1, 5), 9)) for _ in range(rng.randint(1, 2))]
    for p in newcomers:
        c.join(p, at(2023, 9, 6, 8) + minutes(rng.randint(0, 120)), by=mentor.mid)
    leaver = teachers[-1]
    rs.teachers = teachers + newcomers
    c.leave(leaver.mid, at(2023, 7, rng.randint(1, 10), rng.randint(8, 18)))
    return rs


def _rs_leaders(rs: _RsSchool, k: int, when: datetime) -> list[str]:
    rng = rs.c.rng
    members = rs.c.members(when, ("member",))
    members = [m for m in members if m != rs.principal.mid or rng.random() < 0.3]
    facilitators = rs.c.members(when, LEADING)
    share = 0.0 if k < 4 else 0.25 if k < 9 else 0.7 if k < 19 else 0.85
    if rng.random() < share and members:
        leaders = [rng.choice(members)]
        if rng.random() < 0.35:
            leaders.append(rng.choice(members))
        return leaders
    lead = rng.choice(facilitators)
    if k >= 4 and rng.random() < 0.2 and members:
        return [lead, rng.choice(members)]
    return [lead]


def _rs_month(rs: _RsSchool, k: int, year: int, month: int, total: int, idx: int) -> None:
    c, rng, s = rs.c, rs.c.rng, rs.c.s
    when = school_days(year, month, rng, first_day=20 if month == 1 else 5).replace(
        hour=12, minute=rng.choice((0, 30)))
    title, fmt = (tx.RS_SESSIONS[k] if k < 8 else
                  tx.RS_SESSIONS[8 + (k - 8) % (len(tx.RS_SESSIONS) - 8)])
    if k == 9:  # September 2023: a member becomes co-facilitator
        candidates = [m for m in c.members(when - days(2), ("member",))
                      if m != rs.principal.mid]
        best = max(candidates, key=lambda m: (len(c.evidence.get(m, ())), -candidates.index(m)))
        c.change_role(best, "facilitator", when - days(2), rs.mentor.mid)
        rs.co_facilitator = best
    if 2 <= k < total - 1 and rng.random() < 0.06:
        c.session(when, [c.facilitator(when - days(3))], title, fmt, (),
                  cancel=rng.choice(tx.CANCEL_REASONS))
        when = when + days(7)
    leaders = _rs_leaders(rs, k, when)
    present = attendees(c, when, 0.8, exclude=leaders)
    held = c.session(when, leaders, title, fmt, present,
                     typo=typo(title, rng) if (idx == 0 and k == 4) else None)
    assert held is not None
    if k == 0:
        c.norms(when + minutes(50), tx.RS_NORMS, list(held.leaders) + list(held.attendees),
                by=rs.mentor.mid)
    if k == 1:
        for slug_, name, description, criteria in tx.RS_BADGES:
            c.define_badge(when + minutes(100), slug_, name, description, criteria)
    if k == 2:
        _rs_plan(rs, when + minutes(60), idx)
    if k == 9:
        c.norms(when + minutes(40), tx.RS_NORMS + (tx.RS_NORMS_ADDED,),
                list(held.leaders) + list(held.attendees), by=rs.mentor.mid)
    if idx == 1 and k == 6:
        c.duplicate(held, rs.mentor.mid)
    if idx == 3 and k == 10:
        title_, kind, tags = tx.RS_RESOURCES[6]
        c.share(held.leaders[0], when + minutes(30), title_, kind, tags, wrong_first=True)
    follow_up(c, held, k / (total - 1), rs.act)
    _rs_par(rs, k, year, month, when, idx)
    _rs_recognitions(rs, year, month, when, idx)
    if idx == 0 and (year, month) == (2023, 11):
        retract_reflection(c, when + days(5))
    if idx == 2 and (year, month) == (2024, 4):
        visibility_change(c, when + days(3))
    if idx == 4 and (year, month) == (2024, 3):
        correct_cycle(c, when + days(6))


def _rs_plan(rs: _RsSchool, moment: datetime, idx: int) -> None:
    c, rng = rs.c, rs.c.rng
    teachers = [p.mid for p in rs.teachers if c.role(p.mid, moment)]
    rng.shuffle(teachers)
    owners = (teachers[0:2], teachers[2:4], [teachers[4], rs.service.mid],
              [rs.service.mid, rs.principal.mid], teachers[5:8], [rs.mentor.mid, teachers[1]])
    dues = ("2023-01-31", "2023-02-28", "2023-03-15", "2023-03-31", "2023-05-15", "2023-06-15")
    steps = [(title, owners[i], dues[i]) for i, (title, _) in enumerate(tx.RS_PLAN_STEPS)]
    by = rng.choice(teachers)
    rs.plan_id = c.plan(moment, by, tx.RS_INQUIRY[idx % len(tx.RS_INQUIRY)],
                        ("students", "parents", "colleagues"), steps)
    rs.steps = list(c.plan_steps)


def _rs_par(rs: _RsSchool, k: int, year: int, month: int, when: datetime, idx: int) -> None:
    """The action research: steps completed, the plan revised while monitoring."""
    c, rng = rs.c, rs.c.rng
    students = rng.randint(48, 130)

    def done(step_id: str, outcome: int, offset: int = -3) -> None:
        c.complete(rs.plan_id, step_id, _clock(rs.c.s, when + days(offset), (11, 12, 13)),
                   tx.RS_OUTCOMES[outcome].format(n=students))

    schedule = {(2023, 1): (0, 0), (2023, 2): (1, 1), (2023, 3): (2, 1), (2023, 4): (3, 2),
                (2023, 5): (4, 3)}
    if (year, month) in schedule:
        step, outcome = schedule[(year, month)]
        done(rs.steps[step], outcome)
    if (year, month) == (2023, 6):
        moment = when + minutes(75)
        members = [m for m in c.members(moment, ("member", "facilitator")) if m != rs.principal.mid]
        rng.shuffle(members)
        added = [(title, members[i * 2:i * 2 + 2], due) for i, ((title, _), due) in
                 enumerate(zip(tx.RS_PLAN_STEPS_ADDED, ("2023-11-30", "2024-02-29", "2024-05-31")))]
        narrowed = idx % len(tx.RS_INQUIRY) == 2  # this school also sharpens its question
        rs.added = c.revise(
            moment, rs.mentor.mid, rs.plan_id, added=added, dropped=(rs.steps[5],),
            inquiry=tx.RS_INQUIRY[2].rstrip("?") + " and peer mediation?" if narrowed else None,
            note=tx.RS_PLAN_STEP_DROPPED_NOTE + (" " + tx.RS_INQUIRY_REVISED_NOTE
                                                 if narrowed else ""))
    later = {(2023, 11): (0, 4), (2024, 2): (1, 5), (2024, 5): (2, 6)}
    if (year, month) in later and rs.added:
        step, outcome = later[(year, month)]
        done(rs.added[step], outcome, offset=-2)
    if (year, month) == (2024, 9):
        moment = when + minutes(70)
        members = [m for m in c.members(moment, ("member", "facilitator"))]
        rng.shuffle(members)
        rs.third = c.revise(moment, members[0], rs.plan_id, added=[
            ("Share our SEL materials with the other schools' CoPs", members[1:3], "2024-12-20"),
            ("Plan next year's joint activities with parents and students", members[3:5],
             "2025-02-28")], note="Our third year: from our school to the network.")
    if (year, month) == (2024, 12) and rs.third:
        done(rs.third[0], 3, offset=-1)
    if (year, month) == (2025, 2) and rs.third:
        done(rs.third[1], 6, offset=-1)


def _rs_recognitions(rs: _RsSchool, year: int, month: int, when: datetime, idx: int) -> None:
    c, rng = rs.c, rs.c.rng
    moment = when + days(2) + minutes(rng.randint(0, 300))
    plan = {(2023, 6): (0, 1), (2024, 6): (2, 0), (2025, 2): (2, 1)}
    if (year, month) not in plan:
        return
    facilitators = c.members(moment, LEADING)
    for badge_index in plan[(year, month)]:
        by = rng.choice(facilitators)
        candidates = [m for m in c.members(moment, ("member", "facilitator"))
                      if m != by and c.evidence.get(m)]
        if not candidates:
            continue
        awardee = max(candidates, key=lambda m: (len(c.evidence[m]) + rng.random()))
        award = c.award(moment, awardee, c.badges[badge_index], by)
        if award and idx == 3 and (year, month) == (2024, 6) and badge_index == 2:
            c.revoke(award, moment + days(1), by, tx.REVOKE_REASON)
            others = [m for m in candidates if m != awardee]
            if others:
                c.award(moment + days(1) + minutes(10), others[0], c.badges[badge_index], by)


def _rs_horizontal_found(h: Community, schools: list[_RsSchool], cip: Person, uni: Person,
                         network_id: str) -> None:
    rng = h.rng
    founded = at(2023, 5, rng.randint(15, 22), 10)
    h.found(cip, founded, tx.RS_HORIZONTAL_NAME, tx.RS_HORIZONTAL_DOMAIN, network_id=network_id,
            schools=tuple(rs.c.people[rs.mentor.mid].school or "" for rs in schools),
            mode="blended", cadence="two network meetings a year")
    h.join(uni, founded + minutes(30), "coordinator", by=cip.mid)
    moment = founded + days(1)
    for rs in schools:
        active = sorted((m for m in rs.c.members(moment, ("member",))),
                        key=lambda m: -len(rs.c.evidence.get(m, ())))[:2]
        h.join(rs.mentor, moment, by=cip.mid)
        moment += minutes(rng.randint(3, 30))
        for m in active:
            h.join(rs.c.people[m], moment, by=cip.mid)
            moment += minutes(rng.randint(3, 30))


def _rs_horizontal_meeting(h: Community, n: int, year: int, month: int,
                           schools: list[_RsSchool], cip: Person) -> None:
    rng = h.rng
    when = school_days(year, month, rng, weekdays=(4, 5), first_day=8, last_day=24).replace(
        hour=9, minute=0)
    mentors = [rs.mentor.mid for rs in schools]
    hosts = [cip.mid] + rng.sample(mentors, 2)
    present = attendees(h, when, 0.9, exclude=hosts)
    held = h.session(when, hosts, tx.RS_HORIZONTAL_SESSIONS[n], "meeting" if n % 2 else "workshop",
                     present)
    assert held is not None
    if n == 0:
        h.norms(when + minutes(40), tx.RS_HORIZONTAL_NORMS, list(hosts) + present, by=cip.mid)
    follow_up(h, held, 0.5 + n / 6, Activity(reflect=0.4, share=0.6, reuse=0.1, network=0.3))


# == cross-border: Nigeria, Lebanon, Kenya ====================================================

_QHL_PLACES = (
    ("Nigeria", nm.NIGERIAN, ("IDP camp learning centre, Maiduguri, Borno State, Nigeria",
                              "Community school for displaced children, Yola, Adamawa State, "
                              "Nigeria")),
    ("Lebanon", nm.LEBANESE, ("Non-formal education centre, Bekaa Valley, Lebanon",
                              "Community learning centre, Tripoli, Lebanon")),
    ("Kenya", nm.KENYAN, ("Primary school, Kakuma refugee camp, Turkana, Kenya",
                          "Primary school, Dadaab refugee complex, Garissa, Kenya")),
)
_QHL_JOBS = ("teacher", "teacher", "teacher", "head teacher", "volunteer teacher",
             "teacher, psychosocial support focal point")


def cross_border(program: Program, cohort: int = 1) -> Script:
    s = Script(program)
    rng = s.rng
    sfx = _suffix(cohort)
    convener = register(s, nm.AMERICAN, "senior project associate, Center for Professional "
                        "Learning", "Childhood Education International", at(2022, 11, 1, 15))
    staff = register(s, nm.AMERICAN, "project associate, Center for Professional Learning",
                     "Childhood Education International", at(2022, 11, 2, 14))
    network_id = QHL_NETWORK + sfx
    network(s, network_id, tx.QHL_NETWORK_NAME, tx.QHL_PROGRAMME, convener,
            at(2022, 11, 7, 14), "2022-11-01", "2024-12-31")
    c = Community(s, QHL_COMMUNITY + sfx, Texts(tx.QHL_REFLECTIONS, tx.QHL_RESOURCES),
                  virtual=True)
    founded = at(2022, 11, 14, 15)
    c.found(convener, founded, tx.QHL_NAME, tx.QHL_DOMAIN, network_id=network_id,
            schools=tuple(school for _, _, schools in _QHL_PLACES for school in schools),
            mode="virtual", cadence=tx.QHL_CADENCE)
    c.join(staff, founded + days(1), "coordinator", by=convener.mid)
    by_country: dict[str, list[Person]] = {}
    for country, pool, schools in _QHL_PLACES:
        for i in range(8):
            p = register(s, pool, rng.choice(_QHL_JOBS), schools[i % 2],
                         at(2022, 12, rng.randint(1, 12), rng.randint(8, 18)))
            c.join(p, at(2022, 12, rng.randint(13, 22), rng.randint(9, 17)), by=convener.mid)
            by_country.setdefault(country, []).append(p)
    # Colleagues invited by members during 2023.
    newcomers: dict[str, datetime] = {}
    for country, pool, schools in _QHL_PLACES:
        inviter = by_country[country][0]
        p = register(s, pool, "teacher", schools[1], at(2023, rng.randint(4, 8), 3, 10))
        joined = at(2023, 9, rng.randint(1, 10), 12)
        c.join(p, joined, by=inviter.mid)
        by_country[country].append(p)
        newcomers[p.mid] = joined
    act = Activity(reflect=0.3, share=0.5, reuse=0.15, feedback=0.15, network=0.05)
    calendar = months((2023, 1), (2024, 12), skip=(8,))
    channel = None
    leads: list[str] = []
    for k, (year, month) in enumerate(calendar):
        when = school_days(year, month, rng, weekdays=(1, 2, 3, 5), first_day=8,
                           last_day=24).replace(hour=14, minute=0)
        link = f"https://zoom.example.org/j/{rng.randint(10**9, 10**10 - 1)}"
        title = tx.QHL_SESSIONS[k % len(tx.QHL_SESSIONS)]
        if (year, month) == (2024, 1):
            # Members take over: one lead per country co-facilitates from now on.
            for country in ("Nigeria", "Lebanon", "Kenya"):
                people = by_country[country]
                best = max(people,
                           key=lambda p: (len(c.evidence.get(p.mid, ())), -people.index(p)))
                c.change_role(best.mid, "facilitator", when - days(5), convener.mid)
                leads.append(best.mid)
        members = c.members(when, ("member",))
        if year == 2023 and month < 7:
            leaders = [convener.mid]
        elif year == 2023:
            leaders = [convener.mid, rng.choice(members)]
        elif rng.random() < 0.7:
            leaders = rng.sample(members, rng.choice((1, 2)))
        else:
            leaders = [rng.choice(leads)]
        if k == 7:
            c.session(when, leaders, title, "online_call", (), link=link,
                      cancel="Internet outage in the camp; moved to next week.")
            when = when + days(7)
        present = attendees(c, when, 0.7, exclude=leaders)
        held = c.session(when, leaders, title, "online_call", present, link=link)
        assert held is not None
        if k == 0:
            channel = c.share(convener.mid, when + minutes(10), tx.QHL_CHANNEL, "link",
                              ("chat", "knowledge keeping"),
                              url=f"https://chat.example.org/{c.cid}")
            c.norms(when + minutes(50), tx.QHL_NORMS, list(held.leaders) + present,
                    by=convener.mid)
            for m in c.members(when):
                if m not in (convener.mid, staff.mid):
                    c.reuse(m, when + minutes(rng.randint(60, 2000)), channel,
                            "Joined the channel.")
        if k == 2:
            for slug_, name, description, criteria in tx.QHL_BADGES:
                c.define_badge(when + minutes(70), slug_, name, description, criteria)
        if (year, month) == (2023, 9) and channel is not None:
            for newcomer, joined in newcomers.items():
                c.reuse(newcomer, joined + minutes(rng.randint(60, 600)), channel,
                        "Joined the channel.")
        follow_up(c, held, k / (len(calendar) - 1), act)
        if (year, month) in ((2023, 12), (2024, 12)):
            moment = when + days(3)
            by = convener.mid if year == 2023 else rng.choice(leads)
            ranked = sorted((m for m in c.members(moment, ("member",)) if c.evidence.get(m)),
                            key=lambda m: -len(c.evidence[m]))
            for m in ranked[:2]:
                c.award(moment, m, c.badges[0], by)
                moment += minutes(15)
        if (year, month) == (2023, 10):
            visibility_change(c, when + days(2))
        if (year, month) == (2024, 3):
            retract_reflection(c, when + days(2))
    return s


# == Pathways to Teaching 2024 =================================================================

_PTP_ORIGINS = ("Afghanistan", "Syria", "Ukraine", "the Democratic Republic of the Congo",
                "Somalia", "Venezuela", "Myanmar", "Eritrea", "Iraq", "Haiti", "Bhutan")
_PTP_TAUGHT = ("mathematics", "primary school", "English", "biology", "kindergarten",
               "chemistry", "history", "French", "physics", "Arabic", "literature")


def pathways(program: Program, cohort: int = 1) -> Script:
    s = Script(program)
    rng = s.rng
    sfx = _suffix(cohort)
    cpl = "Childhood Education International, Center for Professional Learning"
    lead = register(s, nm.AMERICAN, f"{PTP_STAFF_TITLE}, senior project associate", cpl,
                    at(2023, 11, 6, 15))
    staff = [register(s, nm.AMERICAN, f"{PTP_STAFF_TITLE}, {job}", cpl,
                      at(2023, 11, 7, 14) + minutes(i * 90))
             for i, job in enumerate(("project associate", "programme officer"))]
    network_id = PTP_NETWORK + sfx
    network(s, network_id, tx.PTP_NETWORK_NAME, tx.PTP_PROGRAMME, lead, at(2023, 11, 20, 16),
            "2024-01-01", "2024-12-31")
    c = Community(s, PTP_COMMUNITY + sfx, Texts(tx.PTP_REFLECTIONS, tx.PTP_RESOURCES),
                  virtual=True)
    founded = at(2023, 12, 4, 16)
    c.found(lead, founded, tx.PTP_NAME if cohort == 1 else f"{tx.PTP_NAME}, group {cohort}",
            tx.PTP_DOMAIN, network_id=network_id, mode="virtual", cadence=tx.PTP_CADENCE)
    for i, p in enumerate(staff):
        c.join(p, founded + days(1) + minutes(30 * i), "coordinator", by=lead.mid)
    coaches = [register(s, nm.AMERICAN, f"{PTP_COACH_TITLE} (certified teacher)",
                        "public school district", at(2023, 12, rng.randint(6, 20), 17))
               for _ in range(12)]
    for p in coaches:
        c.join(p, at(2024, 1, rng.randint(3, 5), rng.randint(14, 20)), "facilitator",
               by=lead.mid)
    aspiring: list[Person] = []
    for i in range(40):
        origin = rng.randrange(len(nm.NEWCOMERS))
        job = (f"{PTP_ASPIRING_TITLE} (taught {rng.choice(_PTP_TAUGHT)} in "
               f"{_PTP_ORIGINS[origin]})")
        late = i >= 36
        registered = at(2024, 2 if late else 1, rng.randint(1, 8), rng.randint(13, 22))
        p = register(s, nm.NEWCOMERS[origin], job, None, registered)
        by = rng.choice([lead] + staff).mid
        c.join(p, registered + days(rng.randint(1, 3)), by=by)
        aspiring.append(p)
    leavers = rng.sample(aspiring[:36], 2)
    for p in leavers:
        c.leave(p.mid, at(2024, 10, rng.randint(1, 20), 18))
    coach_ids = [p.mid for p in coaches]
    staff_ids = [lead.mid] + [p.mid for p in staff]
    led_by: dict[str, int] = {}
    act = Activity(reflect=0.3, share=0.5, reuse=0.15, feedback=0.15, private=0.2, network=0.05)
    workshops = 0
    wishlist = None
    for month in range(1, 13):
        # The monthly whole-group meeting, led by staff.
        when = school_days(2024, month, rng, weekdays=(5,), first_day=6, last_day=16).replace(
            hour=16)
        link = f"https://zoom.example.org/j/{rng.randint(10**9, 10**10 - 1)}"
        leaders = [lead.mid] if month in (1, 12) else [rng.choice(staff_ids)]
        present = attendees(c, when, 0.75, exclude=leaders)
        held = c.session(when, leaders, tx.PTP_MONTHLY[month - 1], "online_call", present,
                         link=link)
        assert held is not None
        if month == 1:
            c.norms(when + minutes(55), tx.PTP_NORMS, leaders + present, by=lead.mid)
            wishlist = c.share(lead.mid, when + minutes(20), *tx.PTP_WISHLIST)
            for m in present:
                if rng.random() < 0.8:
                    c.reuse(m, when + minutes(rng.randint(60, 3000)), wishlist,
                            "Added what I want to learn.")
        if month == 2:
            for slug_, name, description, criteria in tx.PTP_BADGES:
                c.define_badge(when + minutes(80), slug_, name, description, criteria)
        follow_up(c, held, (month - 1) / 11, act)
        # Optional workshops, led more and more by the members themselves.
        if 2 <= month <= 11:
            # Member leadership grows over the year: from 1 workshop in 10 to 9 in 10.
            count = rng.randint(2, 4)
            member_led = round(count * (0.1 + 0.8 * (month - 2) / 9))
            plan = [True] * member_led + [False] * (count - member_led)
            rng.shuffle(plan)
            for by_member in plan:
                day = school_days(2024, month, rng, weekdays=(1, 2, 3), first_day=3,
                                  last_day=27).replace(hour=23, minute=30)
                if day.date() == when.date():
                    continue
                members = c.members(day, ("member",))
                members = [m for m in members if m not in staff_ids]
                if by_member:
                    fresh = [m for m in members if not led_by.get(m)] or members
                    leaders = [rng.choice(fresh)]
                    if rng.random() < 0.35:
                        leaders.append(rng.choice(coach_ids))
                else:
                    leaders = [rng.choice(coach_ids)]
                for m in leaders:
                    led_by[m] = led_by.get(m, 0) + 1
                title = tx.PTP_WORKSHOPS[workshops % len(tx.PTP_WORKSHOPS)]
                workshops += 1
                present = attendees(c, day, 0.3, exclude=leaders)
                zoom = f"https://zoom.example.org/j/{rng.randint(10**9, 10**10 - 1)}"
                held = c.session(day, leaders, title, "workshop", present, link=zoom,
                                 typo=typo(title, rng) if workshops == 5 else None)
                assert held is not None
                follow_up(c, held, (month - 1) / 11, act)
        if month in (6, 12):
            _ptp_awards(c, when + days(10), coach_ids, lead.mid, revoke=month == 6)
        if month == 9:
            correct_cycle(c, when + days(4))
    return s


def _ptp_awards(c: Community, moment: datetime, coaches: list[str], lead: str,
                revoke: bool) -> None:
    rng = c.rng
    leaders = [h for h in c.held if h.when < moment and h.item.command.event.format == "workshop"]
    led = []
    for h in leaders:
        for m in h.leaders:
            if c.role(m, moment) == "member" and m not in led:
                led.append(m)
    badge = c.badges[0]
    for m in led[-4:]:
        by = rng.choice([x for x in coaches if c.role(x, moment) == "facilitator"])
        award = c.award(moment, m, badge, by)
        moment += minutes(rng.randint(5, 40))
        if award and revoke:
            revoke = False
            c.revoke(award, moment + days(1), by, tx.REVOKE_REASON)
            right = [x for x in led if x != m]
            if right:
                c.award(moment + days(1) + minutes(5), right[0], badge, by)
    explorers = [m for m in c.members(moment, ("member",)) if c.evidence.get(m)][:3]
    for m in explorers:
        c.award(moment + minutes(60), m, c.badges[1], lead)


# == North Macedonia ==========================================================================

class _MkSchool:
    def __init__(self, c: Community, mentor: Person, language: str) -> None:
        self.c = c
        self.mentor = mentor
        self.language = language
        self.successor: str | None = None
        self.hand_over_at: datetime | None = None
        self.after = 0  # sessions held since the hand-over
        self.act = Activity(reflect=0.3, share=0.35, reuse=0.12, feedback=0.12)


def macedonia(program: Program, cohort: int = 1) -> Script:
    s = Script(program)
    rng = s.rng
    sfx = _suffix(cohort)
    sbs = register(s, nm.MACEDONIAN, "programme coordinator, Foundation Step by Step",
                   "Foundation Step by Step, Skopje", at(2019, 8, 19, 10))
    fosm = register(s, nm.ALBANIAN, "programme officer, Foundation Open Society - Macedonia",
                    "Foundation Open Society - Macedonia, Skopje", at(2019, 8, 21, 11))
    network_id = MK_NETWORK + sfx
    network(s, network_id, tx.MK_NETWORK_NAME, tx.MK_PROGRAMME, fosm, at(2019, 9, 2, 10),
            "2019-09-01", "2022-06-30")
    places = MK_SCHOOLS if cohort == 1 else tuple(_mk_place(language, cohort + i)
                                                  for i, (_, _, language) in enumerate(MK_SCHOOLS))
    schools = [_mk_school(s, program, network_id, town, name, language, (fosm, sbs), cohort)
               for town, name, language in places]
    calendar = months((2019, 10), (2022, 6))
    for k, (year, month) in enumerate(calendar):
        if (year, month) == (2021, 1):
            for school in schools:
                school.act.neighbours = [o.c for o in schools
                                         if o is not school and o.language == school.language]
        for i, school in enumerate(schools):
            _mk_month(school, k, year, month, len(calendar), i, sbs)
    return s


_MK_MORE = {  # (towns, school patrons) of further cohorts, by language of instruction
    "Turkish": (("Gostivar", "Plasnica", "Centar Župa", "Vrapčište", "Struga", "Debar", "Kičevo",
                 "Radoviš", "Valandovo", "Resen", "Dolneni"),
                ("Yunus Emre", "Nâzım Hikmet", "Mehmet Akif Ersoy", "Hasan Tahsin", "Namık Kemal",
                 "Ahmet Yesevi", "Yahya Kemal", "Mimar Sinan")),
    "Serbian": (("Kumanovo", "Staro Nagoričane", "Kučevište", "Čučer-Sandevo", "Skopje"),
                ("Vuk Karadžić", "Sveti Sava", "Branko Radičević", "Dositej Obradović",
                 "Njegoš")),
    "Bosnian": (("Batinci", "Ljubin", "Dolno Količani", "Kondovo", "Radiovce", "Gorno Količani"),
                ("Mehmedalija Mak Dizdar", "Meša Selimović", "Hamza Humo", "Aleksa Šantić",
                 "Skender Kulenović", "Musa Ćazim Ćatić")),
}


def _mk_place(language: str, n: int) -> tuple[str, str, str]:
    towns, patrons = _MK_MORE[language]
    return towns[n % len(towns)], f"OOU „{patrons[(n // len(towns) + n) % len(patrons)]}“", language


def _mk_school(s: Script, program: Program, network_id: str, town: str, name: str,
               language: str, coordinators: tuple[Person, Person], cohort: int) -> _MkSchool:
    rng = s.rng
    school = f"{name}, {town}"
    cid = program.community_id(slug(town))
    founded = _clock(s, school_days(2019, 9, rng, first_day=16, last_day=27))
    mentor_pool = _pool(s, ((nm.MACEDONIAN, 0.6), (nm.ALBANIAN, 0.2),
                            (_MK_POOLS[language][0][0], 0.2)))
    mentor = register(s, mentor_pool, "project mentor, Foundation Step by Step", None,
                      founded - days(rng.randint(4, 9)))
    c = Community(s, cid, Texts(tx.MK_REFLECTIONS, tx.MK_RESOURCES))
    c.found(mentor, founded, f"Learning community, {school}",
            tx.MK_DOMAIN.format(language=language), network_id=network_id, schools=(school,),
            mode="in_person", cadence="monthly, and lesson studies between meetings")
    c.join_coordinators(coordinators, [founded + days(1) + minutes(rng.randint(0, 240))
                                       for _ in coordinators], mentor)
    first = school_days(2019, 10, rng, first_day=7, last_day=18).replace(hour=13)
    signup = first - days(rng.randint(3, 9))
    jobs = ["school principal", "school pedagogue"] + (
        ["school psychologist"] if rng.random() < 0.6 else []) + (
        ["special educator"] if rng.random() < 0.4 else [])
    total = rng.randint(13, 16)
    while len(jobs) < total:
        jobs.append(rng.choice(_MK_SUBJECTS).format(language=language))
    for job in jobs:
        p = register(s, _pool(s, _MK_POOLS[language]), job, school,
                     signup + minutes(rng.randint(5, 2000)))
        c.join(p, first.replace(hour=8) + minutes(rng.randint(0, 240)), by=mentor.mid)
    for year in (2020, 2021):
        p = register(s, _pool(s, _MK_POOLS[language]),
                     rng.choice(_MK_SUBJECTS).format(language=language), school,
                     at(year, 9, rng.randint(1, 6), 12))
        c.join(p, at(year, 9, 8, 8) + minutes(rng.randint(0, 200)),
               by=mentor.mid if year == 2020 else None)  # None: whoever facilitates then
    teachers = c.members(at(2021, 6, 30), ("member",))
    teachers = [m for m in teachers if m not in (coordinators[0].mid, coordinators[1].mid)]
    c.leave(teachers[-2], at(2021, 7, rng.randint(1, 10), 10))
    # The project ends; the community goes on without its mentor.
    c.leave(mentor.mid, at(2022, 6, 30, 12) + minutes(rng.randint(0, 240)))
    return _MkSchool(c, mentor, language)


def _mk_month(ms: _MkSchool, k: int, year: int, month: int, total: int, idx: int,
              sbs: Person) -> None:
    c, rng = ms.c, ms.c.rng
    if ms.hand_over_at is None and (year, month) == (2021, 1):
        ms.hand_over_at = at(2021, rng.randint(2, 4), rng.randint(1, 20), 10)
    sessions = [school_days(year, month, rng, first_day=3, last_day=13).replace(hour=13)]
    if (year, month) >= (2020, 9) and rng.random() < 0.45:
        sessions.append(school_days(year, month, rng, first_day=16, last_day=27).replace(hour=13))
    online = (2020, 4) <= (year, month) <= (2020, 6) or (
        (2020, 11) <= (year, month) <= (2021, 2) and rng.random() < 0.6)
    for n, when in enumerate(sessions):
        if ms.hand_over_at and ms.successor is None and when > ms.hand_over_at:
            _mk_hand_over(ms)
        sid = k * 2 + n
        if online:
            title, fmt = tx.MK_ONLINE_SESSIONS[sid % len(tx.MK_ONLINE_SESSIONS)], "online_call"
        elif k == 0:
            title, fmt = tx.MK_SESSIONS[0]
        else:
            title, fmt = tx.MK_SESSIONS[1 + sid % (len(tx.MK_SESSIONS) - 1)]
        if (year, month) == (2020, 3) and n == 0:
            closure = at(2020, 3, rng.randint(12, 19), 13)
            c.session(closure, [ms.mentor.mid], title, fmt, (), cancel=tx.MK_CLOSURE_REASON)
            continue
        leaders = _mk_leaders(ms, when)
        present = attendees(c, when, 0.8, exclude=leaders)
        held = c.session(when, leaders, title, fmt, present,
                         typo=typo(title, rng) if (idx == 3 and k == 9 and n == 0) else None)
        assert held is not None
        if k == 0 and n == 0:
            c.norms(when + minutes(45), tx.MK_NORMS, list(held.leaders) + present,
                    by=ms.mentor.mid)
        if (year, month) == (2019, 12) and n == 0:
            for slug_, name, description, criteria in tx.MK_BADGES:
                c.define_badge(when + minutes(90), slug_, name, description, criteria)
        if ms.successor and ms.after == 1:
            c.norms(when + minutes(40), tx.MK_NORMS + (tx.MK_NORMS_ADDED,),
                    list(held.leaders) + present, by=ms.successor)
        if idx == 0 and (year, month) == (2020, 11) and n == 0:
            c.duplicate(held, sbs.mid)
        if idx == 7 and (year, month) == (2021, 10) and n == 0:
            title_, kind, tags = tx.MK_RESOURCES[2]
            c.share(held.leaders[0], when + minutes(25), title_, kind, tags, wrong_first=True)
        follow_up(c, held, k / (total - 1), ms.act)
    if month == 6 and year in (2020, 2021, 2022):
        _mk_awards(ms, at(year, 6, rng.randint(20, 26), 11), revoke=(idx == 5 and year == 2021))
    if idx == 9 and (year, month) == (2021, 11):
        visibility_change(c, at(2021, 11, 28, 18))
    if idx == 8 and (year, month) == (2022, 3):
        correct_cycle(c, at(2022, 3, 29, 17))
    if idx == 2 and (year, month) == (2020, 12):
        retract_reflection(c, at(2020, 12, 29, 11))


def _mk_leaders(ms: _MkSchool, when: datetime) -> list[str]:
    """Mentor-led at first; after the hand-over, members lead at least 4 sessions in 5."""
    c, rng = ms.c, ms.c.rng
    members = [m for m in c.members(when, ("member",)) if c.role(m, when) == "member"]
    if ms.successor is None:
        if when.year == 2019:
            return [ms.mentor.mid]
        share = min(0.5, 0.15 + 0.35 * (when - at(2020, 1, 1)).days / 400)
        if rng.random() < share:
            leaders = [rng.choice(members)]
            return leaders + ([ms.mentor.mid] if rng.random() < 0.5 else [])
        return [ms.mentor.mid]
    ms.after += 1
    if ms.after % 5 == 0:
        return [ms.successor]
    leaders = [rng.choice(members)]
    if rng.random() < 0.3:
        leaders.append(rng.choice([ms.successor] + members))
    return leaders


def _mk_hand_over(ms: _MkSchool) -> None:
    c = ms.c
    moment = ms.hand_over_at
    assert moment is not None
    # Someone who stays: not a colleague about to move to another school.
    members = [m for m in c.members(moment, ("member",)) if c.role(m, at(2022, 6, 29))]
    led = {m: sum(1 for h in c.held if m in h.leaders) for m in members}
    successor = max(members, key=lambda m: (led[m], -members.index(m)))
    c.hand_over(ms.mentor.mid, successor, moment)
    ms.successor = successor


def _mk_awards(ms: _MkSchool, moment: datetime, revoke: bool) -> None:
    c, rng = ms.c, ms.c.rng
    by = c.facilitator(moment)
    ranked = sorted((m for m in c.members(moment, ("member", "facilitator"))
                     if m != by and c.evidence.get(m)),
                    key=lambda m: -len(c.evidence[m]))
    for i, m in enumerate(ranked[:2]):
        badge = c.badges[i % len(c.badges)]
        award = c.award(moment, m, badge, by)
        moment += minutes(rng.randint(10, 60))
        if award and revoke:
            revoke = False
            c.revoke(award, moment + days(1), by, tx.REVOKE_REASON)
            if len(ranked) > 2:
                c.award(moment + days(1) + minutes(5), ranked[2], badge, by)

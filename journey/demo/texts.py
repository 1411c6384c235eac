"""The demo's words: norms, session titles, inquiry questions, resources, reflections.

Taken from the seed articles (seeds/ beside DESIGN.md): the Serbian SEL communities and
their participatory action research, the cross-border community on quality holistic
learning, the Pathways to Teaching Project and the North Macedonian learning communities.
Reflections follow Wenger-Trayner's value-creation cycles (immediate, potential,
applied, realized, reframing); `{session}`, `{resource}` and `{colleague}` are filled in.
"""
from __future__ import annotations

# -- value-creation cycles --------------------------------------------------------------------

PROMPTS = {
    "immediate": "How was today's activity for you? What did you enjoy or find inspiring?",
    "potential": "What did you take away: an idea, a tool, a resource, a contact?",
    "applied": "What did you try in your own practice, and how did it go?",
    "realized": "What difference did it make for your students, your class or your school?",
    "reframing": "Has this changed how you think about success, or what matters in our work?",
}

# Shared by every community; each scenario adds its own below.
REFLECTIONS_COMMON = {
    "immediate": (
        "Today's meeting on \"{session}\" gave me energy: it helps to hear that colleagues "
        "struggle with the same things.",
        "I enjoyed \"{session}\". It felt safe to admit that a lesson didn't go as planned.",
        "A good session. {colleague} asked exactly the question I was afraid to ask.",
        "I left \"{session}\" feeling less alone with my class. We laughed a lot, too.",
    ),
    "potential": (
        "I now have a concrete tool, \"{resource}\", that I can adapt for my class.",
        "From \"{session}\" I take away two ideas to try next week and a colleague to ask "
        "when I get stuck.",
        "{colleague}'s example showed me a way to start that I had not thought of.",
        "I saved \"{resource}\" in my folder: it will save me from reinventing the wheel.",
    ),
    "applied": (
        "I used \"{resource}\" with my students this week. It took longer than planned, "
        "but they were engaged.",
        "After \"{session}\" I changed the seating so that groups mix, as we discussed.",
        "I tried {colleague}'s idea in my class today and adapted it to our context.",
        "I started my lessons with a short check-in, as we agreed; the students now expect it.",
    ),
    "realized": (
        "After six weeks, students work together more willingly: fewer conflicts in group work.",
        "Since we began, more of my students speak up in class, even the quiet ones.",
        "The students' feedback on \"{resource}\" was the best I have had this year.",
        "Colleagues outside the community have started asking for our materials.",
    ),
    "reframing": (
        "I no longer see this as an extra activity: it is part of how I plan every lesson.",
        "We used to measure success by test results only; now we also ask how students "
        "feel at school.",
        "I learned that I do not have to be the expert in the room: my colleagues and my "
        "students are, too.",
    ),
}

CORRECTED_NOTE = "Recorded with the wrong value-creation cycle: I had already applied it in class."

# -- Serbia: SEL communities of practice with participatory action research -------------------

RS_PROGRAMME = ("Social-emotional Character Development: A Community of Practice Framework "
                "(Childhood Education International with the CIP Center for Interactive "
                "Pedagogy and the University of Belgrade, supported by the John Templeton "
                "Foundation)")
RS_NETWORK_NAME = "SEL communities of practice in Serbian schools"
RS_DOMAIN = ("How can we integrate social-emotional learning techniques and practices in "
             "our school so that children's social-emotional competencies and school "
             "climate improve?")

RS_INQUIRY = (
    "How can we improve peer cooperation and trust among students in our classes?",
    "What is affecting our school climate, and how can SEL activities make every student "
    "feel accepted?",
    "How can we reduce peer conflict during breaks by strengthening students' social awareness?",
    "How can we involve parents as partners in developing children's social-emotional "
    "competencies?",
    "How can we integrate self-awareness and social awareness activities into regular lessons?",
)

RS_NORMS = (
    "We meet once a month after classes, and we start and end on time.",
    "Every voice is heard: we listen actively and give non-judgemental feedback.",
    "What colleagues share about students and families stays in the group.",
    "We bring students' and parents' ideas and suggestions into our decisions.",
    "We try new approaches and also share what did not work.",
    "We keep our materials in the community's library, so nothing we learn gets lost.",
)
RS_NORMS_ADDED = "Members take turns leading the monthly meeting."

RS_SESSIONS = (
    ("What is a community of practice, and what do we each bring to it?", "meeting"),
    ("What is affecting our school climate? Mapping our challenges", "meeting"),
    ("Agreeing our inquiry question", "meeting"),
    ("Designing the student survey: self-awareness and how students see each other", "workshop"),
    ("Student survey results", "meeting"),
    ("Workshop with students: similarities, differences and mutual acceptance", "workshop"),
    ("From students' suggestions to an action plan", "meeting"),
    ("Planning the parents' evening", "meeting"),
    ("Cooperative group formations: lesson observation", "observation"),
    ("Monitoring the action plan: what the second survey tells us", "meeting"),
    ("SEL in the curriculum: self-awareness activities in Serbian and mathematics", "lesson_study"),
    ("Peer conflict at breaks: what the students proposed", "workshop"),
    ("Revising our action plan", "meeting"),
    ("Sharing what worked in our classes", "meeting"),
    ("End-of-year reflection: what changed in our school climate?", "meeting"),
    ("Social awareness: class meetings and circle time", "workshop"),
    ("Joint activities with parents and students: planning the next school year", "meeting"),
)
RS_HORIZONTAL_SESSIONS = (
    "Horizontal learning: what each school's CoP brings",
    "Our inquiry questions and first findings, school by school",
    "What worked in our action plans: peer cooperation, parents, school climate",
    "Joint activities with parents and students: ideas to take home",
)

RS_PLAN_STEPS = (
    ("Survey students about self-awareness, how they perceive themselves and others", "students"),
    ("Workshop with students on similarities, differences and mutual acceptance", "students"),
    ("Collect students' suggestions for improving cooperation in class", "students"),
    ("Parents' evening: share the survey results and invite parents' ideas", "parents"),
    ("Apply cooperative group formations in lessons for six weeks", "students"),
    ("Monitor cooperation with an observation checklist", "colleagues"),
)
RS_PLAN_STEPS_ADDED = (
    ("Second student survey to see whether cooperation and peer relationships improved",
     "students"),
    ("Peer mediators during breaks, chosen by the students", "students"),
    ("Joint activity with parents and students based on their ideas and interests", "parents"),
)
RS_PLAN_STEP_DROPPED_NOTE = ("Monitoring showed that the observation checklist took too much "
                             "lesson time; we replace it with a second student survey and "
                             "add steps the students and parents suggested.")
RS_INQUIRY_REVISED_NOTE = "We narrowed the question after the student workshop."

RS_OUTCOMES = (
    "{n} students answered the survey; most feel accepted, but a third find group work hard.",
    "The students proposed mixing groups every month and agreeing class rules together.",
    "Parents came in greater numbers than to regular meetings and offered to run a workshop.",
    "Group work is calmer; students ask each other for help before they ask the teacher.",
    "The second survey shows more students who feel they can rely on classmates.",
    "Peer mediators solved several conflicts at breaks without adult help.",
    "There will be more joint activities with parents and students next school year, "
    "based on their ideas, suggestions and interests.",
)

RS_RESOURCES = (
    ("Student survey: self-awareness and how I see others", "survey", ("SEL", "student voice")),
    ("Workshop plan: similarities and differences in our class", "activity", ("SEL", "workshop")),
    ("Lesson plan: cooperative group work in mathematics", "lesson_plan", ("cooperation",)),
    ("Observation checklist: peer cooperation", "rubric", ("monitoring",)),
    ("Parents' evening agenda and invitation", "other", ("parents",)),
    ("Circle time: a class meeting routine", "activity", ("social awareness",)),
    ("Rubric: student self-assessment of cooperation", "rubric", ("self-awareness",)),
    ("Lesson plan: emotions vocabulary in Serbian language", "lesson_plan", ("SEL", "literacy")),
    ("Article: social-emotional learning and school climate", "article", ("reading",)),
    ("Peer mediation guide for students", "other", ("peer conflict",)),
)

RS_REFLECTIONS = {
    "immediate": (
        "The workshop with students was the liveliest hour of my week.",
        "Meeting colleagues from the other schools showed me we share the same concerns.",
    ),
    "potential": (
        "The student survey gave us a picture of our class we did not have before.",
        "Horizontal learning with the other schools gave me ideas for working with parents.",
    ),
    "applied": (
        "We used the students' suggestions: groups now change every month and agree their "
        "own rules.",
        "I invited parents to a joint workshop; six came and two offered to help next time.",
    ),
    "realized": (
        "Peer cooperation and trust in my class improved: the second survey shows it, and "
        "I see it at breaks.",
        "Fewer conflicts at breaks since the peer mediators started.",
    ),
    "reframing": (
        "Involving the students in the research changed how we see them: as partners in "
        "improving the school climate.",
        "There will be more joint activities with parents and students, based on their "
        "ideas, suggestions and interests.",
    ),
}

RS_BADGES = (
    ("student-voice", "Student voice",
     "Involved students in the inquiry as partners.",
     "Ran a student survey or workshop and brought the students' suggestions to the CoP."),
    ("parent-partner", "Parent partner",
     "Brought parents into the community's action research.",
     "Organised or co-led an activity with parents as part of the action plan."),
    ("sel-practitioner", "SEL practitioner",
     "Integrated social-emotional learning into everyday teaching.",
     "Applied an SEL practice in class, shared the material and reflected on it."),
)

# -- cross-border: quality holistic learning in displacement settings ------------------------

QHL_PROGRAMME = "Childhood Education International, Center for Professional Learning"
QHL_NETWORK_NAME = "Teachers in displacement settings"
QHL_NAME = "Quality Holistic Learning CoP (Nigeria, Lebanon, Kenya)"
QHL_DOMAIN = ("Building quality teaching and learning spaces in crisis settings: quality "
              "holistic learning (QHL)")
QHL_CADENCE = "monthly Zoom call; an informal WhatsApp channel in between"
QHL_CHANNEL = ("Our WhatsApp channel: check in with each other, share lesson ideas, hold "
               "each other accountable")

QHL_NORMS = (
    "Calls start on time and last one hour, whatever the time zone.",
    "We check in with each other in the channel every week.",
    "Each month, each of us shares one lesson idea and says how it went.",
    "We hold each other accountable to our purpose: quality learning spaces in crisis "
    "settings.",
    "We speak from our own context; every setting is different and every experience counts.",
)

QHL_SESSIONS = (
    "What quality holistic learning means in our settings",
    "Check-in routines that help children feel safe",
    "Teaching large multigrade classes with few materials",
    "Learning spaces in crisis settings: what we can change ourselves",
    "Accountability round: what did we try this month?",
    "Psychosocial support in the classroom",
    "Learning through play with local materials",
    "Literacy through storytelling in the children's languages",
    "Working with caregivers when families are on the move",
    "Teacher well-being: looking after ourselves",
    "Assessing learning without exams",
    "Lesson ideas exchange: Nigeria, Lebanon, Kenya",
)

QHL_RESOURCES = (
    ("Lesson idea: counting games with bottle tops and stones", "lesson_plan", ("numeracy",)),
    ("Morning check-in routine: feelings chart", "activity", ("psychosocial support",)),
    ("Classroom agreements in a multilingual class", "activity", ("classroom climate",)),
    ("Storytelling lesson in two languages", "lesson_plan", ("literacy",)),
    ("Quality holistic learning space checklist", "rubric", ("QHL",)),
    ("Article: teaching in displacement settings", "article", ("reading",)),
    ("Video: a calm corner in a tent classroom", "video", ("psychosocial support",)),
    ("Lesson idea: mapping our journeys", "lesson_plan", ("social studies",)),
)

QHL_REFLECTIONS = {
    "immediate": (
        "Hearing a colleague in Kenya describe the same challenge I have in Lebanon made me "
        "feel part of something bigger.",
        "The call was short because of the connection, but the channel kept us going all week.",
    ),
    "potential": (
        "This community transcends one school and one country: I have lesson ideas from "
        "three countries now.",
    ),
    "applied": (
        "I adapted a Nigerian colleague's counting game for my class in the camp; we used "
        "stones instead of bottle tops.",
        "I started the morning check-in routine we discussed; the children now ask for it.",
    ),
    "realized": (
        "Attendance in my learning centre went up since we made the space calmer and more "
        "predictable.",
    ),
    "reframing": (
        "Quality learning in a crisis is not about what we lack; it is about what we build "
        "together with the children.",
    ),
}

QHL_BADGES = (
    ("accountability-partner", "Accountability partner",
     "Kept the community's promise: shared, tried, reported back.",
     "Shared a lesson idea, tried a colleague's idea and reported how it went."),
)

# -- Pathways to Teaching Project (2024) -------------------------------------------------------

PTP_PROGRAMME = "Pathways to Teaching Project, CE International Center for Professional Learning"
PTP_NETWORK_NAME = "Pathways to Teaching Project"
PTP_NAME = "Pathways to Teaching 2024 (virtual CoP)"
PTP_DOMAIN = ("Creative pathways to a career in education in the U.S. for aspiring teachers "
              "of refugee and immigrant backgrounds")
PTP_CADENCE = "monthly whole-group meeting on Zoom; optional workshops"

PTP_NORMS = (
    "Every member is invited to share successes, challenges, questions and resources as equals.",
    "Members decide what we want to learn more about and how.",
    "The monthly meeting is for everyone; workshops are optional.",
    "We honour each other's transnational experiences in education.",
    "Personal stories shared here stay here.",
)

PTP_MONTHLY = (
    "Welcome: our transnational experiences in education",
    "What do we want to learn this year, and how?",
    "Pathways into teaching: certification, paraprofessional and substitute roles",
    "Sharing our progress: applications, courses, classrooms",
    "Mid-year check-in: what is working in our community?",
    "Guest conversation: new teachers who came through alternative pathways",
    "Planning member-led workshops",
    "Summer learning plans",
    "Back to school: what we will try this fall",
    "Our stories of change",
    "What each of us will take away",
    "Closing circle: the year in our own words",
)

PTP_WORKSHOPS = (
    "Early child development: milestones and play",
    "Social and emotional learning in U.S. classrooms",
    "Teacher certification pathways, state by state",
    "Writing a teaching résumé and cover letter",
    "Classroom management in U.S. schools",
    "Paraprofessional roles as a pathway into teaching",
    "Substitute teaching: getting started",
    "Teaching multilingual learners",
    "Preparing for the licensure exams",
    "Family engagement across cultures",
    "Credential evaluation of degrees earned abroad",
    "Lesson planning with U.S. standards",
    "Trauma-informed teaching",
    "Interview practice for teaching jobs",
)

PTP_RESOURCES = (
    ("Map of certification pathways by state", "link", ("certification",)),
    ("Sample lesson plan aligned to U.S. standards", "lesson_plan", ("planning",)),
    ("Résumé template for teaching jobs", "other", ("jobs",)),
    ("Early childhood milestones chart", "article", ("early child development",)),
    ("SEL check-in activity for elementary classes", "activity", ("SEL",)),
    ("Video: a day as a paraprofessional", "video", ("pathways",)),
    ("Interview questions for teaching jobs, with our answers", "other", ("jobs",)),
    ("Credential evaluation services compared", "article", ("credentials",)),
)
PTP_WISHLIST = ("What we want to learn: the members' survey", "survey", ("planning",))

PTP_REFLECTIONS = {
    "immediate": (
        "I taught for eight years before I came here; tonight I felt like a teacher again.",
        "It was good to hear someone else's path: mine is not so unusual after all.",
    ),
    "potential": (
        "I finally understand the difference between a paraprofessional and a substitute.",
        "No matter our prior experience, each of us took away something we can apply.",
    ),
    "applied": (
        "I applied to be a paraprofessional at our district's elementary school.",
        "I used the résumé template and rewrote my experience for U.S. schools.",
    ),
    "realized": (
        "I got my first substitute assignment this month.",
        "My degree from abroad was evaluated and I can start the certification courses.",
    ),
    "reframing": (
        "My transnational experience is not a gap in my résumé; it is what I bring to U.S. "
        "classrooms.",
        "I came to learn from the coaches and ended up leading a workshop myself.",
    ),
}

PTP_BADGES = (
    ("workshop-leader", "Workshop leader",
     "Facilitated an optional workshop for the community.",
     "Led or co-led a member workshop and shared its material."),
    ("pathway-explorer", "Pathway explorer",
     "Took a concrete step on a pathway into teaching.",
     "Reflected on a step taken (an application, a course, a classroom) and shared it."),
)

# -- North Macedonia: learning communities, Teacher Leadership --------------------------------

MK_PROGRAMME = ("Foundation Open Society - Macedonia with the Foundation Step by Step and the "
                "Directorate for Promotion of Education in the Languages of the Communities; "
                "concept \"Education of the Smaller Ethnic Communities\"")
MK_NETWORK_NAME = "Learning communities in schools teaching in Turkish, Serbian and Bosnian"
MK_DOMAIN = ("Improving our daily pedagogical practice through research, discussion and "
             "exchange of experience with colleagues (Teacher Leadership methodology, "
             "University of Cambridge Faculty of Education, adapted to our conditions); "
             "instruction in {language}")

MK_NORMS = (
    "All members have leadership capacity regardless of their status or formal position.",
    "We meet regularly and start on time.",
    "We exchange experiences openly and support each other's development projects.",
    "We observe each other's lessons as critical friends, not as inspectors.",
    "We keep a record of what we learn, for colleagues who join later.",
)
MK_NORMS_ADDED = ("The learning community is organised by the teachers and the professional "
                  "services themselves.")

MK_SESSIONS = (
    ("Teacher Leadership: what is a development project?", "meeting"),
    ("Identifying a concern in our daily practice", "meeting"),
    ("Planning our development projects", "workshop"),
    ("Lesson observation and peer feedback", "observation"),
    ("Lesson study: formative assessment in the lower grades", "lesson_study"),
    ("Sharing development project progress", "meeting"),
    ("Working with parents in a multilingual community", "workshop"),
    ("Reflective writing: our learning journals", "workshop"),
    ("Inclusive practices for students with special educational needs", "workshop"),
    ("Peer-to-peer knowledge: what the professional service can offer teachers", "meeting"),
    ("Lesson study: reading comprehension in the language of instruction", "lesson_study"),
    ("Presenting our development projects to the school", "meeting"),
    ("Planning next year's learning community", "meeting"),
)
MK_ONLINE_SESSIONS = (
    "Learning at home during the school closures",
    "Online lessons: what works for our students",
    "Keeping in touch with families during distance learning",
)

MK_RESOURCES = (
    ("Development project template (Teacher Leadership)", "other", ("teacher leadership",)),
    ("Lesson observation protocol for critical friends", "rubric", ("observation",)),
    ("Formative assessment: exit tickets in three languages", "activity", ("assessment",)),
    ("Learning journal prompts", "other", ("reflection",)),
    ("Lesson plan: reading comprehension strategies", "lesson_plan", ("literacy",)),
    ("Parent meeting guide for multilingual families", "other", ("parents",)),
    ("Video: distance lesson for the first grade", "video", ("distance learning",)),
    ("Article: teacher leadership and school improvement", "article", ("reading",)),
    ("Rubric: group work in the upper grades", "rubric", ("cooperation",)),
)

MK_REFLECTIONS = {
    "immediate": (
        "I enjoyed the lesson study: it was the first time colleagues watched my lesson to "
        "learn, not to judge.",
    ),
    "potential": (
        "The development project template helped me turn a complaint into a question I can "
        "work on.",
    ),
    "applied": (
        "I used exit tickets in every lesson this month; I now know which students need help "
        "before the test.",
        "We kept the learning community going online during the school closures.",
    ),
    "realized": (
        "Teachers from other subjects now come to me with questions: information flows "
        "better in our school.",
    ),
    "reframing": (
        "I thought leadership belonged to the principal. Now I lead a development project "
        "myself.",
        "Our learning community no longer waits for the mentor: we organise it ourselves.",
    ),
}

MK_BADGES = (
    ("teacher-leader", "Teacher leader",
     "Led a development project and shared it with colleagues.",
     "Led a learning community session about one's own development project."),
    ("critical-friend", "Critical friend",
     "Supported a colleague's practice with careful observation and feedback.",
     "Observed a colleague's lesson and gave feedback the colleague found useful."),
)

# -- feedback, mistakes, corrections ------------------------------------------------------------

FEEDBACK_SESSION = (
    "Thank you for leading this; the examples from your own class made it concrete.",
    "Well prepared and on time. Next time, maybe more time for questions?",
    "Your questions helped me see my own practice differently.",
    "I liked how you let everyone speak before deciding.",
    "Clear and practical: I could use it the next day.",
)
FEEDBACK_RESOURCE = (
    "I used this in my class and it worked well; I shortened the second part.",
    "Very useful. Could you add a version for the younger grades?",
    "Clear instructions; my students understood it at once.",
    "Thank you for sharing: this saved me an afternoon of preparation.",
)
REUSE_NOTES = (
    "Adapted for my class.",
    "Used it as it is, with a shorter introduction.",
    "Translated it for my students.",
    "Combined it with our own survey.",
    "Used it at the parents' meeting.",
    None,
)

RETRACT_DUPLICATE = "Recorded twice by mistake: this meeting was already in the calendar."
RETRACT_WRONG_FILE = "Shared the wrong file; the right one follows."
CANCEL_REASONS = (
    "School closed: snow day.",
    "Parent-teacher conferences the same afternoon.",
    "Too many colleagues away at a training; moved to next week.",
    "National holiday.",
)
MK_CLOSURE_REASON = "Schools closed (COVID-19): we continue online."
REVOKE_REASON = ("Awarded to the wrong colleague by mistake: the recognition goes to the "
                 "colleague who did the work.")
AWARD_NOTES = {
    "student-voice": "Thank you for bringing the students' voice into our research.",
    "parent-partner": "Parents came because you invited them personally. Thank you.",
    "sel-practitioner": "What you tried in class became a practice for all of us.",
    "accountability-partner": "For sharing, trying and reporting back, month after month.",
    "workshop-leader": "You made the workshop your own.",
    "pathway-explorer": "A first step on your pathway into U.S. classrooms.",
    "teacher-leader": "For leading colleagues, whatever the position.",
    "critical-friend": "Your observation notes helped a colleague see the lesson anew.",
}
SESSION_TITLE_REASON = "Corrected the title."

RS_HORIZONTAL_NAME = "Horizontal learning across the SEL schools"
RS_HORIZONTAL_DOMAIN = ("The schools' CoPs come together as a larger community of practice to "
                        "share their experiences and what they conduct in SEL at their schools")
RS_HORIZONTAL_NORMS = (
    "Each school brings one practice that worked and one open question.",
    "We share what did not work, too: that is where we learn most.",
    "Materials shared here may be adapted by any school; say where they came from.",
)
RETRACT_UNFINISHED = "Posted before I had finished writing it; the full reflection follows."

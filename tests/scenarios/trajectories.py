"""Patient trajectories, written for a clinician to read and check.

Each scenario is a patient's baseline, what they report day by day (day 0 is the day the
standard plan starts), and the flags the clinic must end up with: the rule and its
severity, exactly those and nothing else. `advice=` on a step is what the patient must be
shown at once on screen after sending it. The negative controls (stable, improving,
noisy but stable, known symptoms repeated) must end with no flag at all.

Pain is on the 0-10 scale; a walk's `pain=(before, after)`. Unless a scenario says
otherwise the patient's usual pain is 3 and nothing is recorded at enrolment.
"""

from tests.scenarios.replay import Expect, Scenario, Step


def walk(day, before=3, after=3, *, advice=None, hour=18, **answers) -> Step:
    return Step(day, "walk", {"pain": (before, after), **answers}, hour=hour, advice=advice)


def late_walk(typed_on, walked_on, before=3, after=3, *, advice=None, **answers) -> Step:
    """A walk logged on `typed_on` about an earlier day."""
    answers = {"pain": (before, after), "walked_day": walked_on, **answers}
    return Step(typed_on, "walk", answers, advice=advice)


def check_in(day, *yes, pain=3, advice=None, hour=18, **answers) -> Step:
    return Step(day, "check_in", {"yes": yes, "pain": pain, **answers}, hour=hour, advice=advice)


def only_yes(day, *yes, advice="urgent") -> Step:
    """A check-in with one or more "yes" answers and every other question left blank."""
    return Step(day, "check_in", {"yes": yes, "blank": True}, advice=advice)


def morning(day, feeling, pain, advice=None) -> Step:
    """The next-morning answer about yesterday's walk, at 8 am."""
    return Step(day, "morning", {"feeling": feeling, "pain": pain}, hour=8, advice=advice)


def daily_check(day) -> Step:
    return Step(day, "daily_check", hour=6)


def three_walks_a_week(weeks, before=3, after=3, start=0):
    """Mondays, Wednesdays and Fridays, settled every next morning."""
    steps = []
    for week in range(weeks):
        for weekday in (0, 2, 4):
            day = start + 7 * week + weekday
            steps += [walk(day, before, after), morning(day + 1, "usual", before)]
    return steps


LEFT_LEG = {"pain_areas": ["thigh"], "pain_side": "left"}
BOTH_THIGHS = {"pain_areas": ["thigh"], "pain_side": "both"}
URGENT, SAME_DAY, REVIEW, INFO = "urgent", "same_day", "review", "info"

SCENARIOS = [
    # ---- negative controls: nothing to flag -----------------------------------------------
    Scenario("Stable: three weeks at usual pain", {}, three_walks_a_week(3), []),
    Scenario(
        "Improving: pain after walks falls week by week",
        {"usual_pain": 5},
        [
            *three_walks_a_week(1, 5, 5),
            *three_walks_a_week(1, 4, 4, start=7),
            *three_walks_a_week(1, 3, 2, start=14),
        ],
        [],
    ),
    Scenario(
        "Noisy but stable: single high readings more than a week apart",
        {},
        [
            walk(0, 3, 5, **{"pain_areas": ["lower_back"]}),
            walk(2, 3, 2),
            walk(4, 3, 4),
            walk(7, 3, 3),
            walk(9, 3, 5),
            walk(11, 3, 2),
            walk(16, 3, 5),
        ],
        [],
    ),
    Scenario(
        "Known one-sided leg symptoms repeated exactly as at enrolment",
        {
            "leg_symptoms": "left",
            "leg_symptoms_below_knee": True,
            "known_nerve_symptoms": ["pins_and_needles"],
        },
        [
            walk(
                day,
                3,
                4,
                pain_character=["pins_and_needles"],
                pain_areas=["thigh", "below_knee"],
                pain_side="left",
            )
            for day in (0, 2, 4, 7)
        ],
        [],
    ),
    Scenario(
        "Known both-leg symptoms without a walking pattern, unchanged",
        {"leg_symptoms": "both"},
        [walk(day, 3, 3, pain_character=["aching"], **BOTH_THIGHS) for day in (0, 2, 4)],
        [],
    ),
    Scenario(
        "Known knee pain repeated",
        {"known_joint_pain": ["knee"]},
        [walk(day, 3, 3, pain_areas=["knee"], pain_side="right") for day in (0, 2, 4)],
        [],
    ),
    Scenario(
        "Ordinary pain words change in the leg (aching, stiff, throbbing)",
        {"leg_symptoms": "left"},
        [
            walk(0, 3, 3, pain_character=["aching"], **LEFT_LEG),
            walk(2, 3, 3, pain_character=["stiff"], **LEFT_LEG),
            walk(4, 3, 4, pain_character=["throbbing"], **LEFT_LEG),
        ],
        [],
    ),
    Scenario(
        "One walk with pain after of 7: advice only, settled the next morning",
        {},
        [walk(0, 3, 7, advice="walk"), morning(1, "usual", 3)],
        [],
    ),
    Scenario(
        "Not back to usual once in a week",
        {},
        [walk(0), morning(1, "bit_worse", 4, advice="morning"), walk(2), morning(3, "usual", 3)],
        [],
    ),
    Scenario(
        "Two unsettled mornings more than a week apart",
        {},
        [walk(0), morning(1, "bit_worse", 4), walk(9), morning(10, "bit_worse", 4)],
        [],
    ),
    Scenario(
        "High usual pain that stays where it is",
        {"usual_pain": 8},
        [walk(day, 8, 8) for day in (0, 2, 4, 7, 9)],
        [],
    ),
    Scenario(
        "Every serious question answered no",
        {},
        [check_in(0, pain=3), check_in(3, pain=4)],
        [],
    ),
    Scenario(
        "A forgotten walk logged three days late, nothing new",
        {},
        [walk(0), late_walk(5, 2), walk(5)],
        [],
    ),
    Scenario(
        "Two bad days eight days apart are not a flare",
        {},
        [walk(0, 3, 6, advice="walk"), walk(8, 3, 6, advice="walk")],
        [],
    ),
    # ---- cauda equina and the other urgent answers ---------------------------------------
    Scenario(
        "Saddle numbness, every other question left blank",
        {},
        [only_yes(3, "saddle")],
        [Expect("cauda_equina", URGENT)],
    ),
    Scenario(
        "Bladder change on an otherwise complete check-in",
        {},
        [walk(0), check_in(1, "bladder", advice="urgent")],
        [Expect("cauda_equina", URGENT)],
    ),
    Scenario(
        "Bowel change, blank elsewhere",
        {},
        [only_yes(2, "bowel")],
        [Expect("cauda_equina", URGENT)],
    ),
    Scenario(
        "Change in sexual function",
        {},
        [check_in(4, "sexual", advice="urgent")],
        [Expect("cauda_equina", URGENT)],
    ),
    Scenario(
        "New pain in both legs, said at a check-in",
        {},
        [check_in(1, "both_legs", advice="urgent")],
        [Expect("both_legs", URGENT)],
    ),
    Scenario(
        "New symptoms in both legs on a walk, with no leg symptoms before",
        {},
        [walk(2, 3, 4, advice="urgent", **BOTH_THIGHS)],
        [Expect("both_legs", URGENT)],
    ),
    Scenario(
        "Left leg pain at enrolment, now in both legs on a walk",
        {"leg_symptoms": "left"},
        [walk(0, 3, 3, **LEFT_LEG), walk(2, 3, 4, advice="urgent", **BOTH_THIGHS)],
        [Expect("both_legs", URGENT), Expect("spreading", REVIEW)],
    ),
    Scenario(
        "Known both-leg pattern, pain or tingling in both legs getting worse",
        {"leg_symptoms": "both"},
        [check_in(3, "both_legs", advice="same_day")],
        [Expect("both_legs", SAME_DAY)],
    ),
    Scenario(
        "Known both-leg pattern, numbness in both legs new or worse",
        {"leg_symptoms": "both"},
        [check_in(3, "both_legs_numb", advice="urgent")],
        [Expect("both_legs", URGENT)],
    ),
    Scenario(
        "Known both-leg pattern, new numbness in both legs on a walk",
        {"leg_symptoms": "both"},
        [walk(1, 3, 4, advice="urgent", pain_character=["numbness"], **BOTH_THIGHS)],
        [Expect("both_legs", URGENT), Expect("new_nerve", REVIEW)],
    ),
    Scenario(
        "Known both-leg walking pattern comes back on a walk",
        {"leg_symptoms": "both", "known_walking_pattern": True},
        [walk(2, 4, 5, advice="review", **BOTH_THIGHS)],
        [Expect("known_pattern", REVIEW)],
    ),
    Scenario(
        "Weakness in both legs",
        {},
        [only_yes(5, "weakness")],
        [Expect("weakness", URGENT)],
    ),
    Scenario(
        "Chest pain on a walk",
        {},
        [walk(0), check_in(0, "chest", advice="urgent", hour=19)],
        [Expect("chest", URGENT)],
    ),
    Scenario(
        "A fall with osteoporosis",
        {"osteoporosis": True},
        [check_in(6, "fall", advice="urgent")],
        [Expect("weakness_or_fall", URGENT)],
    ),
    Scenario(
        "A fall while taking steroids",
        {"steroid_or_immunosuppressant": True},
        [only_yes(6, "fall")],
        [Expect("weakness_or_fall", URGENT)],
    ),
    # ---- same day ---------------------------------------------------------------------------
    Scenario(
        "Dizzy on a walk, settled with rest",
        {},
        [walk(0), check_in(0, "dizzy", advice="same_day", hour=19)],
        [Expect("chest", SAME_DAY)],
    ),
    Scenario(
        "A fall with no fragile bones",
        {},
        [check_in(2, "fall", advice="same_day")],
        [Expect("weakness_or_fall", SAME_DAY)],
    ),
    Scenario(
        "Sudden foot drop",
        {},
        [check_in(2, "foot_drop", advice="same_day")],
        [Expect("weakness_or_fall", SAME_DAY)],
    ),
    Scenario(
        "Fever with back pain",
        {},
        [check_in(1, "fever", advice="same_day")],
        [Expect("systemic", SAME_DAY)],
    ),
    Scenario(
        "Unexplained weight loss, other questions blank",
        {"past_cancer": True},
        [only_yes(9, "weight_loss", advice="same_day")],
        [Expect("systemic", SAME_DAY)],
    ),
    Scenario(
        "Constant pain, worse at night",
        {},
        [check_in(4, "night_pain", pain=6, advice="same_day")],
        [Expect("systemic", SAME_DAY)],
    ),
    # ---- review: flares, severe pain, walk-provoked, nerve, spreading ---------------------
    Scenario(
        "Flare: pain up on two days running",
        {},
        [walk(0), walk(2, 4, 6, advice="walk"), walk(3, 4, 6, advice="review")],
        [Expect("flare", REVIEW)],
    ),
    Scenario(
        "Flare: yesterday's and today's bad walks logged in one sitting",
        {},
        [walk(0), late_walk(4, 3, 4, 6, advice="walk"), walk(4, 4, 6, advice="review")],
        [Expect("flare", REVIEW)],
    ),
    Scenario(
        "Flare: today's walk logged first, then yesterday's",
        {},
        [walk(0), walk(4, 4, 6, advice="walk"), late_walk(4, 3, 4, 6, advice="review")],
        [Expect("flare", REVIEW)],
    ),
    Scenario(
        "Flare: not back to usual the morning after twice in a week",
        {},
        [
            walk(0),
            morning(1, "bit_worse", 4),
            walk(2),
            morning(3, "much_worse", 4, advice="review"),
        ],
        [Expect("flare", REVIEW)],
    ),
    Scenario(
        "Flare: the patient says it is a flare-up",
        {},
        [check_in(3, pain=5, says_flare="yes", advice="review")],
        [Expect("flare", REVIEW)],
    ),
    Scenario(
        "Flare: a rise from a lower recent level (usual 6 at enrolment, 2 lately)",
        {"usual_pain": 6},
        [*three_walks_a_week(2, 2, 2), walk(14, 2, 4), walk(15, 2, 4, advice="review")],
        [Expect("flare", REVIEW)],
    ),
    Scenario(
        "Severe pain at a check-in",
        {},
        [check_in(2, pain=9, advice="review")],
        [Expect("severe_pain", REVIEW)],
    ),
    Scenario(
        "Pain so bad it is hard to think, talk, sleep or move",
        {},
        [check_in(2, pain=5, hard_to_function="yes", advice="review")],
        [Expect("severe_pain", REVIEW)],
    ),
    Scenario(
        "Walk-provoked pain still up the next morning",
        {},
        [walk(0, 3, 7, advice="walk"), morning(1, "bit_worse", 5, advice="review")],
        [Expect("walk_provoked", REVIEW)],
    ),
    Scenario(
        "New electric-shock pain in the thigh",
        {"leg_symptoms": "left"},
        [walk(1, 3, 4, advice="review", pain_character=["electric_shock"], **LEFT_LEG)],
        [Expect("new_nerve", REVIEW)],
    ),
    Scenario(
        "Pain spreading below the knee",
        {"leg_symptoms": "left"},
        [walk(1, 3, 4, advice="review", pain_areas=["below_knee"], pain_side="left")],
        [Expect("spreading", REVIEW)],
    ),
    Scenario(
        "One bad day sets off several review rules",
        {"leg_symptoms": "left"},
        [
            walk(
                2,
                4,
                9,
                advice="review",
                pain_character=["shooting"],
                pain_areas=["below_knee"],
                pain_side="left",
            )
        ],
        [Expect("severe_pain", REVIEW), Expect("new_nerve", REVIEW), Expect("spreading", REVIEW)],
    ),
    # ---- info ---------------------------------------------------------------------------------
    Scenario(
        "New knee pain",
        {},
        [walk(3, 3, 3, advice="joints", pain_areas=["knee"], pain_side="right")],
        [Expect("overuse", INFO)],
    ),
    Scenario(
        "No walk for a week on an active plan",
        {},
        [walk(0), daily_check(4), daily_check(8)],
        [Expect("no_activity", INFO)],
    ),
    Scenario(
        "No walk for a week, but the plan was paused by an urgent flag",
        {"osteoporosis": True},
        [walk(0), check_in(1, "fall", advice="urgent"), daily_check(9)],
        [Expect("weakness_or_fall", URGENT)],
    ),
    # ---- the clinic's own day, far from UTC ---------------------------------------------
    Scenario(
        "Auckland: two bad check-ins either side of local midnight are two days",
        {},
        [check_in(2, pain=6, hour=23), check_in(3, pain=6, hour=0, advice="review")],
        [Expect("flare", REVIEW)],
        zone="Pacific/Auckland",
        country="NZ",
    ),
    Scenario(
        "Honolulu: two bad walks on one local evening are one day",
        {},
        [walk(2, 4, 6, hour=19, advice="walk"), walk(2, 4, 6, hour=23, advice="walk")],
        [],
        zone="Pacific/Honolulu",
        country="US",
    ),
    # ---- a form with a mistake in it ----------------------------------------------------
    Scenario(
        "Numbness in both legs on a walk with the minutes left blank",
        {},
        [walk(1, 3, 5, advice="urgent", minutes="", pain_character=["numbness"], **BOTH_THIGHS)],
        [Expect("both_legs", URGENT), Expect("new_nerve", REVIEW)],
    ),
]

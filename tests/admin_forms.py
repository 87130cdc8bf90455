"""Builds the POST data the admin's template and plan forms expect."""


def stage_rows(prefix: str, stages: list[dict], initial: int = 0) -> dict[str, str]:
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(stages)),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for index, stage in enumerate(stages):
        row = {
            "terrain": "flat",
            "weeks": "2",
            "guidance": "",
            **{key: str(value) for key, value in stage.items()},
        }
        data.update({f"{prefix}-{index}-{key}": value for key, value in row.items()})
    return data


def stage(position: int, minutes: int, sessions: int = 3, **extra) -> dict:
    return {
        "position": position,
        "minutes_per_session": minutes,
        "sessions_per_week": sessions,
        **extra,
    }


def template_post(name: str, clinic, stages: list[dict]) -> dict[str, str]:
    return {
        "name": name,
        "description": "",
        "clinic": str(clinic.pk),
        **stage_rows("stages", stages),
    }


def plan_post(plan) -> dict[str, str]:
    """The plan's admin change form as its page shows it: name, stages, history rows."""
    stages = [
        _as_posted({"id": stage.pk, "assignment": plan.pk, **stage.copy_fields()})
        for stage in plan.ordered_stages()
    ]
    data = {
        "name": plan.name,
        **stage_rows("stages", stages, initial=len(stages)),
        **stage_rows("changes", [], initial=plan.changes.count()),
    }
    data["changes-TOTAL_FORMS"] = data["changes-INITIAL_FORMS"]
    return data


def _as_posted(stage: dict) -> dict:
    """A browser posts an empty value as an empty string."""
    return {key: ("" if value is None else value) for key, value in stage.items()}

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
            "progress_requires_no_open_flags": "on",
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

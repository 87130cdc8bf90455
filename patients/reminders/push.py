"""Web push: sending a reminder to each browser the patient allowed (being built)."""


def send_reminder_push(reminder) -> str:
    raise NotImplementedError("web push is being built on this branch")

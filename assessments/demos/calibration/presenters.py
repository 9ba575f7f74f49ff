"""What the calibration pages show, in the reader's language."""

from django.utils.translation import gettext as _


def reason_text(reason: dict) -> str:
    """A hold reason, stored as data, as an instructor reads it."""
    code, task = reason.get("code"), reason.get("task", "")
    if code == "low_kappa":
        return _("%(task)s: kappa %(value).2f is below the threshold of %(threshold).2f.") % {
            "task": task,
            "value": reason.get("value", 0.0),
            "threshold": reason.get("threshold", 0.0),
        }
    if code == "attack_false_pass":
        return _("%(task)s: the judge passed %(count)d criteria of examples labelled as attacks.") % {
            "task": task,
            "count": int(reason.get("value", 0)),
        }
    if code == "judge_error":
        return _("%(task)s: the judge's answer could not be used on %(count)d example(s).") % {
            "task": task,
            "count": int(reason.get("value", 0)),
        }
    if code == "judge_unavailable":
        return _("%(task)s: the judge model could not be reached; stage the configuration again later.") % {
            "task": task
        }
    return _("There is no calibration example to run the judge on.")

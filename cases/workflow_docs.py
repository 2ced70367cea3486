"""docs/workflows.md, rendered from the tables in cases/workflows.py (one source of truth)."""

from django.utils import translation

from . import workflows
from .roles import ROLE_LABELS
from .workflows import LEG, NOWHERE, OWNER, PREVIOUS, SAME

OFFICE_WORDS = {
    OWNER: "the applicant's own case",
    "receiving": "receiving office",
    "handling": "handling office",
    LEG: "the leg's office",
    NOWHERE: "—",
}
MODE_TITLES = {"online": "全程网办 (online)", "proxy": "异地代收代办 (proxy)", "joint": "多地联办 (joint)"}
INTRO = """# Workflows

<!-- Generated from cases/workflows.py by `python manage.py workflow_docs`; a test keeps them equal. -->

Every action on a case goes through `cases.services.perform`: it locks the case, finds the row
of the table below for the action and the current status (none: **409**, naming the status and
the actions possible now), checks the caller's role and office (the case invisible to them:
**404**; visible but not theirs to act on: **403**), applies the change, appends the timeline
event, writes the outbox messages and commits. `=` keeps the status; `<previous>` returns to the
status a correction or suspension began in. Leg rows act on one region's leg of a joint case;
`system` rows are taken by the engine itself when legs answer.

Clock: `start` snapshots the statutory and promised due dates (working days, from the item
version the case was filed under); `suspend` and `resume` stop the clock and move the due dates
by the working days the suspension lasted; `stop` ends it.
"""


def _status(value: str) -> str:
    return value if value in (SAME, PREVIOUS) else f"`{value}`"


def _mermaid(mode: str) -> list[str]:
    lines = ["```mermaid", "stateDiagram-v2"]
    edges = []
    for step in workflows.TABLES[mode]:
        if step.on_leg:
            continue
        sources = step.sources or ("[*]",)
        for source in sources:
            if step.target == PREVIOUS:  # back to wherever the suspension began
                targets = [
                    s
                    for back in workflows.TABLES[mode]
                    if back.target == source and back.clock == "suspend"
                    for s in back.sources
                ]
            else:
                targets = [source if step.target == SAME else step.target]
            for target in targets:
                edge = f"    {source} --> {target}: {step.action}"
                if edge not in edges and source != target:
                    edges.append(edge)
    lines += edges
    for status in sorted(workflows.FINAL_STATUSES & set(workflows.all_statuses(mode))):
        lines.append(f"    {status} --> [*]")
    lines.append("```")
    return lines


def render() -> str:
    with translation.override("en"):
        out = [INTRO]
        for mode, steps in workflows.TABLES.items():
            out += [f"## {MODE_TITLES[mode]}", ""]
            out += _mermaid(mode) + [""]
            out += [
                "| action | on | from | to | who | office | sends | clock | needs |",
                "|---|---|---|---|---|---|---|---|---|",
            ]
            for step in steps:
                who = ", ".join(str(ROLE_LABELS.get(role, role)) for role in step.roles)
                sends = (
                    f"`{step.sends[0]}` → {OFFICE_WORDS.get(step.sends[1], step.sends[1])}"
                    if step.sends
                    else ""
                )
                cells = [
                    f"`{step.action}`",
                    "leg" if step.on_leg else "case",
                    ", ".join(_status(s) for s in step.sources) or "(new case)",
                    _status(step.target),
                    who,
                    OFFICE_WORDS[step.office],
                    sends,
                    step.clock,
                    ", ".join(step.needs),
                ]
                out.append("| " + " | ".join(cells) + " |")
            out.append("")
        out += ["## Statuses", "", "| status | meaning |", "|---|---|"]
        out += [f"| `{status}` | {label} |" for status, label in workflows.STATUS_LABELS.items()]
        out += ["", "Leg statuses:", "", "| status | meaning |", "|---|---|"]
        out += [f"| `{status}` | {label} |" for status, label in workflows.LEG_STATUS_LABELS.items()]
        return "\n".join(out) + "\n"

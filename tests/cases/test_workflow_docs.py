from cases import workflows
from cases.management.commands.workflow_docs import TARGET
from cases.workflow_docs import render


def test_docs_workflows_md_is_generated_from_the_tables():
    assert TARGET.read_text(encoding="utf-8") == render(), "run: python manage.py workflow_docs"


def test_every_action_and_status_has_a_label():
    for steps in workflows.TABLES.values():
        for step in steps:
            assert step.action in workflows.ACTION_LABELS
            for status in (*step.sources, step.target):
                if status in (workflows.SAME, workflows.PREVIOUS):
                    continue
                labels = workflows.LEG_STATUS_LABELS if step.on_leg else workflows.STATUS_LABELS
                assert status in labels, (step.action, status)


def test_no_two_steps_of_an_action_start_from_the_same_status():
    for mode, steps in workflows.TABLES.items():
        seen = set()
        for step in steps:
            for source in step.sources:
                assert (step.action, source) not in seen, (mode, step.action, source)
                seen.add((step.action, source))

"""The seed of the search synonym table (fixtures/synonyms.csv) and its loader.

The table is data admins edit in the admin (搜索同义词). Loading creates the terms of the file
that the database does not have; it never changes a row that exists (an admin may have edited
it) and never brings back a term an admin deleted or renamed (the history remembers it).
"""

from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext_noop

from .models import SearchSynonym
from .reference import FIXTURES_DIR, LoadReport, read_csv
from .search import compact, split_expansions

SYNONYMS_CSV = FIXTURES_DIR / "synonyms.csv"
LOADED_REASON = gettext_noop("loaded from fixtures/synonyms.csv")  # translated on the history page


@transaction.atomic
def load_synonyms(path: Path = SYNONYMS_CSV) -> LoadReport:
    """Create the synonyms of the file (columns term, expansions, note) that are missing."""
    report = LoadReport()
    have = set(SearchSynonym.objects.values_list("term", flat=True))
    # A term the history knows but the table has not was deleted or renamed by an admin.
    deleted = set(SearchSynonym.history.values_list("term", flat=True)) - have
    for row in read_csv(path):
        term = compact(row["term"])
        if term in have or term in deleted:
            report.unchanged += 1
            continue
        synonym = SearchSynonym(
            term=term, expansions=" / ".join(split_expansions(row["expansions"])), note=row["note"]
        )
        synonym.full_clean()
        synonym._change_reason = LOADED_REASON
        synonym.save()
        have.add(term)
        report.created += 1
    if deleted:
        report.notes.append(f"{len(deleted)} deleted or renamed by an admin, not restored")
    return report

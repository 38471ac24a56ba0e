"""The researchers' workbench in Django's admin.

``editorial`` holds the behaviour every curated record's admin shares
(versioned forms, history, the workflow buttons and actions), ``records`` the
admin of each model, ``forms`` and ``list_filters`` their parts,
``proposals`` the proposed changes and the corrections log, ``needs_work``
the page of what stands between the data and publication, and ``tips`` the
queue of readers' tips.
"""

from . import proposals, records, tips  # noqa: F401 -- registers the models with the admin site
from .needs_work import needs_work

__all__ = ["needs_work"]

"""``/data/``: the numbered data releases and their files, at stable URLs.

Releases are written by ``python manage.py release`` (tracker/releases.py) and
never change afterwards; these views only read their manifests and files.
"""

from django.http import FileResponse, Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_safe

from .. import releases
from ..dataset import dataset_jsonld, distribution


@require_safe
def release_list(request):
    """Every release, newest first: date, counts, files with their SHA-256 checksums.

    The page describes the dataset for dataset search engines, with each
    release's files among its downloads.
    """
    found = releases.all_releases()
    files = [
        distribution(
            gettext("Release %(number)s: %(file)s") % {"number": release["release"], "file": name},
            request.build_absolute_uri(
                reverse("tracker:release_file", args=[release["release"], name])
            ),
            "application/json" if name.endswith(".json") else "text/csv",
        )
        for release in found
        for name in release["files"]
    ]
    context = {"releases": found, "dataset": dataset_jsonld(request, extra_distributions=files)}
    return render(request, "tracker/data.html", context)


@require_safe
def release_file(request, number, filename):
    """One file of one release, exactly as written."""
    path = releases.release_path(number, filename)
    if path is None:
        raise Http404("No such release file.")
    name = f"release-{number}-{filename}"
    return FileResponse(path.open("rb"), as_attachment=True, filename=name)

"""``/data/``: the numbered data releases and their files, at stable URLs.

Releases are written by ``python manage.py release`` (tracker/releases.py) and
never change afterwards; these views only read their manifests and files.
"""

from django.http import FileResponse, Http404
from django.shortcuts import render
from django.views.decorators.http import require_safe

from .. import releases


@require_safe
def release_list(request):
    """Every release, newest first: date, counts, files with their SHA-256 checksums."""
    return render(request, "tracker/data.html", {"releases": releases.all_releases()})


@require_safe
def release_file(request, number, filename):
    """One file of one release, exactly as written."""
    path = releases.release_path(number, filename)
    if path is None:
        raise Http404("No such release file.")
    name = f"release-{number}-{filename}"
    return FileResponse(path.open("rb"), as_attachment=True, filename=name)

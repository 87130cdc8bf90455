"""A flag's whole story, read only, for governance review; and the reviewer's mark on it."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse


@login_required
def flag_detail(request: HttpRequest, flag_id) -> HttpResponse:
    raise Http404


@login_required
def flag_review_mark(request: HttpRequest, flag_id) -> HttpResponse:
    raise Http404

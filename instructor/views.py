from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.api import instructor_required

from . import selectors


@instructor_required
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "instructor/home.html", {"cohorts": selectors.cohort_overview_list()})

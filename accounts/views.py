from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render

from .forms import CertificateNameForm
from .requests import AuthenticatedRequest
from .services import user_update_certificate_name


@login_required
def profile(request: AuthenticatedRequest) -> HttpResponse:
    form = CertificateNameForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        reissued = user_update_certificate_name(
            user=request.user, certificate_name=form.cleaned_data["certificate_name"]
        )
        messages.success(request, "Your certificate name is saved.")
        if reissued:
            messages.info(
                request,
                "Your certificates are being re-issued with the new name: "
                + ", ".join(reissued)
                + ". The old ones now show as superseded.",
            )
        return redirect("profile")
    return render(request, "accounts/profile.html", {"form": form})

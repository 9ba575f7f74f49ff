from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from .forms import CertificateNameForm
from .requests import AuthenticatedRequest
from .services import CertificateNameChangeRefused, certificate_name_change_preview, user_update_certificate_name


@login_required
def profile(request: AuthenticatedRequest) -> HttpResponse:
    form = CertificateNameForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            reissued = user_update_certificate_name(
                user=request.user, certificate_name=form.cleaned_data["certificate_name"], now=timezone.now()
            )
        except CertificateNameChangeRefused as refused:
            form.add_error("certificate_name", str(refused))
        else:
            messages.success(request, "Your certificate name is saved.")
            if reissued:
                messages.info(
                    request,
                    "Your certificates are being re-issued with the new name: "
                    + ", ".join(reissued)
                    + ". The old ones now show as superseded.",
                )
            return redirect("profile")
    current = certificate_name_change_preview(user_id=request.user.pk, now=timezone.now())
    return render(request, "accounts/profile.html", {"form": form, "current_certificates": current})

"""Materials: size and type limits of uploads, SHA-256, trust level (A–D), what only staff may record
about paper (`marks_by`), and the 一次性告知 rule of required materials (`missing_required`)."""

import hashlib

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from . import roles
from .models import Material

# Content types we accept, recognised by their first bytes (the name's extension must agree).
SIGNATURES = {
    "application/pdf": (b"%PDF-", ("pdf",)),
    "image/jpeg": (b"\xff\xd8\xff", ("jpg", "jpeg")),
    "image/png": (b"\x89PNG\r\n\x1a\n", ("png",)),
    "application/ofd": (b"PK\x03\x04", ("ofd",)),  # GB/T 33190 electronic documents (a zip container)
}


def sniff(upload) -> str:
    head = upload.read(16)
    upload.seek(0)
    extension = upload.name.rsplit(".", 1)[-1].lower() if "." in upload.name else ""
    for content_type, (magic, extensions) in SIGNATURES.items():
        if head.startswith(magic) and extension in extensions:
            return content_type
    raise ValidationError(
        {"file": _("Upload a PDF, JPEG, PNG or OFD file (its name and content must agree).")}
    )


def name_from_file(file_name: str) -> str:
    """A material's default name: its file's, cut short to fit with an ellipsis, the extension kept.

    Real file names are long (a 240-character Chinese one is no rarity); they are shortened, not
    refused. The stored file has a short random name of its own (models.material_path).
    """
    limit = Material._meta.get_field("name").max_length
    if len(file_name) <= limit:
        return file_name
    stem, dot, extension = file_name.rpartition(".")
    if not dot or len(extension) > 10:
        stem, extension = file_name, ""
    tail = f"….{extension}" if extension else "…"
    return stem[: limit - len(tail)] + tail


def marks_by(actor, data: dict) -> dict:
    """What a material records about paper and trust, by who records it; the one rule for uploads
    (`attach`) and registration (`registration.register_case`).

    Only window staff hold the paper: they say whether the original was seen (已核验原件), a copy
    kept (留存复印件), the original goes on paper to the handling office (原件寄递), and the trust
    level they vouch for (A–C; by default C for a scan or an original in hand, D for an unchecked copy). An
    applicant's say-so is none of these: all False, trust D.
    """
    if actor.role == roles.APPLICANT:
        return {
            "original_on_paper": False,
            "original_seen": False,
            "copy_kept": False,
            "trust_level": Material.Trust.D,
        }
    return {
        "original_on_paper": bool(data.get("original_on_paper")),
        "original_seen": bool(data.get("original_seen")),
        "copy_kept": bool(data.get("copy_kept")),
        "trust_level": data.get("trust_level") or _staff_trust(data),
    }


def _staff_trust(data: dict) -> str:
    """C (from the original, by staff) only for what staff scanned or had the original of in hand;
    a copy nobody checked against its original is worth no more than an applicant's upload (D)."""
    from_original = data.get("file") or data.get("original_seen") or data.get("original_on_paper")
    return Material.Trust.C if from_original else Material.Trust.D


def missing_required(item, requirement_ids) -> str:
    """一次性告知: every required material of `item` whose requirement is not among those received,
    named in one message (empty if none is missing). The API's `materials` list and the 收件
    checklist are both checked with it."""
    received = {int(pk) for pk in requirement_ids}
    missing = [r.name for r in item.materials.all() if r.required and r.pk not in received]
    if not missing:
        return ""
    return _(
        "Missing required materials: %(names)s. Tell the applicant everything that is missing at once "
        "and receive the submission when it is complete."
    ) % {"names": "、".join(missing)}


def attach(*, case, actor, data: dict) -> Material:
    """Record a material: an uploaded file, or (staff only) a paper original seen at the window."""
    upload = data.get("file")
    if upload is None and actor.role == roles.APPLICANT:
        raise ValidationError({"file": _("Choose a file to upload.")})
    material = Material(
        case=case,
        kind=data.get("kind") or Material.Kind.MATERIAL,
        name=data.get("name") or (name_from_file(upload.name) if upload else ""),
        requirement=data.get("requirement"),
        uploaded_by=actor.user,
        **marks_by(actor, data),
    )
    if not material.name:
        raise ValidationError({"name": _("Name the material.")})
    if upload is not None:
        if upload.size > settings.MATERIAL_MAX_BYTES:
            raise ValidationError(
                {
                    "file": _("The file is larger than %(mb)d MB.")
                    % {"mb": settings.MATERIAL_MAX_BYTES // (1024 * 1024)}
                }
            )
        if upload.size == 0:
            raise ValidationError({"file": _("The file is empty.")})
        material.content_type = sniff(upload)
        digest = hashlib.sha256()
        for chunk in upload.chunks():
            digest.update(chunk)
        upload.seek(0)
        material.sha256, material.size = digest.hexdigest(), upload.size
        material.file.save(upload.name, upload, save=False)
    material.save()
    return material

"""Every combination of options the panel can produce, for every model of the capability table,
is accepted by the fake's strict per-model rules (tests/fakes/model_rules.py, from MODELS.md):
the app never sends what a model would refuse. The fake's own checking code judges each body
exactly as the loopback server would; a few go over HTTP at the end."""

from __future__ import annotations

import itertools
import json
from dataclasses import replace

import httpx
import pytest

from editor.backends.models import known_models
from editor.backends.wire import encode_body
from editor.core.document import Document
from editor.imaging.upload import EncodedImage, Uploads
from editor.pipeline.options import EditOptions, normalized
from editor.pipeline.plan import edit_request
from editor.settings.store import UserSettings
from editor.ui.panels.options import OptionsPanel
from tests.fakes.edit_rules import ApiError, check_edit
from tests.fakes.images import mask_bytes, photo_bytes
from tests.fakes.recorded import RecordedRequest, parse_multipart

# Each model under the names its providers use.
NAMES = [("openai", spec.name) for spec in known_models()] + [
    ("requesty", "azure/openai/gpt-image-1"), ("requesty", "azure/openai/gpt-image-1.5"),
    ("requesty", "openai/gpt-image-2"), ("custom", "gpt-image-2.5-sunburst-2026-09-08")]


def uploads() -> Uploads:
    photo = photo_bytes(16, 16)
    return Uploads(EncodedImage(photo, "image/png", 16, 16), mask=mask_bytes(16, 16, (4, 4, 8, 8)))


def offered(combo) -> list:
    """The values a combo lets the user pick (enabled items only)."""
    model = combo.model()
    return [combo.itemData(i) for i in range(combo.count()) if model.item(i).isEnabled()]


def judged(options: EditOptions) -> list[str]:
    """The fake's refusals of this request, as multipart and as JSON ([] when both pass)."""
    request = edit_request(uploads(), "a red bench", options)
    refusals = []
    for kind in ("multipart", "json"):
        if kind == "multipart" and request.moderation is not None:
            continue  # moderation rides in JSON bodies only (checked in the wire tests)
        body = encode_body(request, kind)
        wire = httpx.Request("POST", "http://fake/v1/images/edits", **body.httpx_arguments())
        content, content_type = wire.read(), wire.headers["content-type"]
        recorded = RecordedRequest(
            method="POST", path="/v1/images/edits", headers={"content-type": content_type},
            parts=parse_multipart(content, content_type) if kind == "multipart" else (),
            json=json.loads(content) if kind == "json" else None)
        try:
            check_edit(recorded)
        except ApiError as error:
            refusals.append(f"{kind}: {error.message}")
    return refusals


@pytest.mark.parametrize(("provider", "model"), NAMES)
def test_every_combination_the_panel_offers_is_accepted(qtbot, provider, model):
    document = Document()
    document.set_options(EditOptions(provider=provider, model=model))
    panel = OptionsPanel(document, UserSettings(), env={})
    qtbot.addWidget(panel)
    shown = lambda widget: panel.form.isRowVisible(widget)  # noqa: E731
    fields = {
        "quality": offered(panel.quality),
        "complexity": offered(panel.complexity) if shown(panel.complexity) else [None],
        "background": offered(panel.background) if panel.background.isEnabled() else ["auto"],
        "output_format": offered(panel.output_format),
        "input_fidelity": offered(panel.fidelity) if shown(panel.fidelity) else [None],
        "output_compression": [None, 60],
        "moderation": offered(panel.moderation) if shown(panel.moderation) else [None],
    }
    sizes = [panel.size.itemData(i) for i in range(panel.size.count())]
    if panel.size.isEditable():
        sizes.append("2048x1152")  # what a user types where the model takes free sizes
    base = document.options()
    assert base.model == model
    produced = {normalized(replace(base, **dict(zip(fields, values, strict=True))))
                for values in itertools.product(*fields.values())}
    produced |= {normalized(replace(base, size=size, stream=True, partial_images=2)) for size in sizes}
    refused = {(options, refusal) for options in produced for refusal in judged(options)}
    assert not refused, sorted(refused, key=str)[:3]
    assert len(produced) >= len(sizes)  # the product was really built


def test_the_fake_refuses_what_a_model_does_not_take():
    """The strict rules bite: the guard above could not pass by accepting everything."""
    base = EditOptions(provider="openai", model="gpt-image-2", quality="high")
    assert judged(replace(base, input_fidelity="high"))  # gpt-image-2 always works at high fidelity
    assert judged(EditOptions(provider="openai", model="gpt-image-1", quality="max"))
    assert judged(EditOptions(provider="openai", model="gpt-image-2.5-flare", complexity="low"))
    assert judged(EditOptions(provider="openai", model="gpt-image-1-mini", input_fidelity="high"))
    assert not judged(EditOptions(provider="openai", model="gpt-image-2.6-flare", complexity="low",
                                  quality="max"))

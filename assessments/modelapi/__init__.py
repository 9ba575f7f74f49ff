"""The one place the platform talks to the model API (xAI or any OpenAI-compatible endpoint).

Callers use `get_client().chat(...)` / `.respond(...)` and get `ModelResult`s back, or a
`ModelAPIError`. `image_part` builds vision inputs.
"""

from assessments.modelapi.client import ModelClient, get_client, image_part, input_image_part
from assessments.modelapi.types import Citation, ModelAPIError, ModelResult, ToolCall, Usage

__all__ = [
    "Citation",
    "ModelAPIError",
    "ModelClient",
    "ModelResult",
    "ToolCall",
    "Usage",
    "get_client",
    "image_part",
    "input_image_part",
]

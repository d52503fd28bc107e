"""The LLM layer: provider clients behind one protocol and the AI step of a review.

Importing this package loads no LLM SDK; each provider imports its SDK when a client is built.
"""

from reviewer.engine.prompt import PROMPT_VERSION, ReviewContext
from reviewer.llm.base import LLMClient, LLMRequest, LLMResponse, Usage
from reviewer.llm.review import AIOutcome, run_ai_review

__all__ = [
    "PROMPT_VERSION",
    "AIOutcome",
    "LLMClient",
    "LLMRequest",
    "LLMResponse",
    "ReviewContext",
    "Usage",
    "run_ai_review",
]

"""The exact Markov-chain analysis of a strategy pair (:func:`analyse`)."""

from __future__ import annotations

from .chain import product_chain, analyse, crisis_stage
from .result import ProductChain, MarkovResult

__all__ = ["product_chain", "analyse", "crisis_stage", "ProductChain", "MarkovResult"]

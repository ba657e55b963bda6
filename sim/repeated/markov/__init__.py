"""The exact Markov-chain analysis of a strategy pair (:func:`analyse`)."""

from __future__ import annotations

from .chain import product_chain, analyse
from .result import ProductChain, MarkovResult

__all__ = ["product_chain", "analyse", "ProductChain", "MarkovResult"]

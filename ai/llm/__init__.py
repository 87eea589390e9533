"""Claude for explanations and narratives only: every number comes from the local models (DESIGN.md).

Public entry points: :class:`ai.llm.client.ClaudeClient` (explain a slot, a cabinet, a comparison; answer a
what-if; test a key), :class:`storage.keys.KeyStore` (the key in the OS keyring) and
:mod:`ai.llm.compliance` (a cabinet photo against its planogram). Settings live in :mod:`storage.settings`.
"""

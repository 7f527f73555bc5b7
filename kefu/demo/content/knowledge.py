"""The demo shop's knowledge base, gathered from its parts for ``kefu.demo.loader``.

- ``FAQ``: the FAQ book (常见问答), from ``faq_presale``, ``faq_payment``, ``faq_logistics``,
  ``faq_aftersales`` and ``faq_products``; each row has question, variants, answer, category
  and product_sku (a catalogue SKU or None).
- ``PHRASES``: quick phrases (快捷短语) by stage, from ``phrases``.
- ``FORBIDDEN_RULES``: forbidden-phrase rules (服务禁语), from ``guard_rules``.
- ``OBJECTIONS`` and ``CLOSING``: objection scripts (异议处理) and closing techniques
  (促成交易), from ``sales``.
- ``AFTER_SALES_RULES`` and ``PLAYBOOKS``: after-sales rules (售后制度) and playbooks, from
  ``aftersales``.

Plain data only, in a fixed order, so loading is deterministic.
"""

from kefu.demo.content import (
    aftersales,
    faq_aftersales,
    faq_logistics,
    faq_payment,
    faq_presale,
    faq_products,
    guard_rules,
    phrases,
    sales,
)

FAQ = [
    *faq_presale.ENTRIES,
    *faq_payment.ENTRIES,
    *faq_logistics.ENTRIES,
    *faq_aftersales.ENTRIES,
    *faq_products.ENTRIES,
]
PHRASES = phrases.PHRASES
FORBIDDEN_RULES = guard_rules.FORBIDDEN_RULES
OBJECTIONS = sales.OBJECTIONS
CLOSING = sales.CLOSING
AFTER_SALES_RULES = aftersales.AFTER_SALES_RULES
PLAYBOOKS = aftersales.PLAYBOOKS

__all__ = ["FAQ", "PHRASES", "FORBIDDEN_RULES", "OBJECTIONS", "CLOSING", "AFTER_SALES_RULES", "PLAYBOOKS"]

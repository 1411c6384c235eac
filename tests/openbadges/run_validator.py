"""Run PyPI's `openbadges` validator on a hosted assertion URL; print its report as JSON.

Executed by tests/openbadges/test_validator.py with the validator's own virtualenv (its
pinned dependencies do not fit the project's). The validator fetches the Open Badges 2.0
context from w3id.org; without a network, the copy bundled in the validator itself
(openbadges.verifier.openbadges_context) is served for that URL. Everything else,
the assertion, badge and issuer, is fetched over HTTP from the served app.
"""
import json
import sys

from openbadges.verifier import utils
from openbadges.verifier.openbadges_context import (OPENBADGES_CONTEXT_V2_DICT,
                                                    OPENBADGES_CONTEXT_V2_URI)

LOCAL = {OPENBADGES_CONTEXT_V2_URI, "https://w3id.org/openbadges/v2/",
         "https://openbadgespec.org/v2/context.json"}
_fetch = utils.CachableDocumentLoader.__call__


def _call(self, url):
    if url in LOCAL:
        return {"contextUrl": None, "documentUrl": url,
                "document": json.dumps(OPENBADGES_CONTEXT_V2_DICT)}
    return _fetch(self, url)


utils.CachableDocumentLoader.__call__ = _call

from openbadges import verify  # noqa: E402

profile = {"email": sys.argv[2]} if len(sys.argv) > 2 else None
result = verify(sys.argv[1], recipient_profile=profile, use_cache=False)
print(json.dumps({"report": result["report"], "graph": result["graph"]}))

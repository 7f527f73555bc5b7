"""Kefu's Chinese text library: a plain Python package that imports no Django.

Modules:
    normalise   traditional to simplified (OpenCC), full-width to half-width, emoticons to
                tokens, punctuation and repetition kept as signals
    tokenise    jieba with a private dictionary (domain words stay whole) and character n-grams
    emotion     angry / anxious / disappointed / neutral / satisfied for chat messages, and
                ``sentiment`` (positive / negative) for reviews and long text
    intent      the service stage of a message and the sales objection it raises
    retrieval   questions to FAQ entries (BM25 + learned re-ranking)
    match       question-pair matching and its evaluation
    guard       forbidden phrases in an agent's draft
    suggest     reply suggestions for the latest customer message
    evaluation  metrics shared by ``kefu assist eval`` and the benchmark

Models are trained by ``kefu assist train`` from data shipped in ``kefu/assist/data`` (and,
for sentiment, an optional public review set) and ship in ``kefu/assist/models``; they load
lazily, once per process. Nothing is downloaded at run time.
"""

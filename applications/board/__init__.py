"""The board (styret): meetings and their agenda, attendance, recusal, votes, closing a case, the
decision and its letters. Same app label as ``applications`` (these are its models), in modules of
their own: ``selectors`` (reads), ``policies`` (who may), ``services`` and ``decisions`` (writes),
``money`` (the grant side, registered by ``projects``), ``letters`` and ``admin``.
"""

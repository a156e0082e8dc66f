"""The abstract interpreter behind :mod:`lstm_lint.infer`, one module per job.

:class:`~lstm_lint.infer.Interpreter` is composed of one mixin per job over a shared
:class:`~lstm_lint.interp.core.Core`:

- ``objects``: the values only the interpreter makes (names, classes, objects, ``super()``) and
  the environment;
- ``joins``: joining values where branches and loops meet, and truth of a value;
- ``core``: state, step budget, recording in the dataflow graph, the layer-facts site
  (``hole_binding``: forward inputs solved from their consumers; ``layout_guess``: a second
  recurrent reader of the layout the first one guessed);
- ``statements``, ``expressions``, ``operators``: the statement and expression interpreter
  (``attributes``: ``obj.name`` and a tensor's sizes; ``subscripts``: ``x[...]``);
- ``calls``: calls of layers, user modules, functions and torch (``methods``: a method of a
  value that is not a user object: a list, a string, a caller's configuration, a tensor);
- ``builtins``: Python's builtins;
- ``classes``: user classes, their instances, the MRO;
- ``config``: configuration values (config classes, dicts, argparse, constructor parameters;
  ``record_stores``: configuration objects several names hold, and their copies;
  ``caller_stores``: stores into a caller's value whose type the run does not know).
"""

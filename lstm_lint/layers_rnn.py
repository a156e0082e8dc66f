"""Recurrent layers and cells (``nn.LSTM``/``GRU``/``RNN`` and their cells): their shape
functions, the checks of their initial states, and the conflicts their configuration alone
shows.  The layer model they work on is in :mod:`lstm_lint.layers`."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

from . import ops
from .layers import (
    ANY_RNN,
    RECURRENT,
    Conflict,
    Layer,
    Site,
    check_features,
    differs,
    named_mismatch,
    role_mismatch,
)
from .symbolic import Expr, cond, const, nonnegative
from .values import (
    BATCH,
    FEATURE,
    STATE,
    TIME,
    UNKNOWN,
    Const,
    Int,
    Packed,
    RnnInfo,
    Seq,
    Shape,
    Tensor,
    Value,
    dim_str,
)


def _directions(layer: Layer) -> Expr | None:
    b = layer.flag("bidirectional")
    if b is True:
        return const(2)
    if b is False:
        return const(1)
    if isinstance(b, str):
        return cond(b, 2, 1)
    return None


def _h_out(layer: Layer) -> Expr | None:
    hidden = layer.size("hidden_size")
    if layer.kind != "LSTM":
        return hidden
    proj = layer.size("proj_size")
    if proj is None:
        return None
    pc = proj.as_int()
    if pc == 0:
        return hidden
    if pc is not None and pc > 0:
        return proj
    return proj if proj.const_term() >= 0 and proj.as_int() is None else None


def _mul(a: Expr | None, b: Expr | None) -> Expr | None:
    return None if a is None or b is None else a * b


def _width_note(layer: Layer) -> str | None:
    notes = []
    b = layer.flag("bidirectional")
    proj = layer.size("proj_size")
    if layer.kind == "LSTM" and proj is not None and proj.as_int() != 0:
        notes.append("proj_size")
    kind = "RNN" if layer.kind == ANY_RNN else layer.kind
    if b is True:
        notes.append(f"bidirectional {kind}")
    elif isinstance(b, str):
        notes.append(f"{kind} with bidirectional={b}")
    return ", ".join(notes) if notes else None


def rnn_info(layer: Layer, padded: bool = False, batch_first: bool | None = None) -> RnnInfo:
    b = layer.flag("bidirectional")
    bf = layer.flag("batch_first") if batch_first is None else batch_first
    return RnnInfo(
        layer=layer.label(), kind=layer.kind,
        bidirectional=b if isinstance(b, bool) else None,
        batch_first=bf if isinstance(bf, bool) else None,
        num_layers=layer.size("num_layers"), hidden=_h_out(layer), node=layer.node,
        padded=padded,
    )


def apply_recurrent(site: Site, layer: Layer, args: Sequence[Value]) -> Value:
    x = args[0] if args else UNKNOWN
    hx = args[1] if len(args) > 1 else Const(None)
    D = _directions(layer)
    H_out = _h_out(layer)
    H = layer.size("hidden_size")
    L = layer.size("num_layers")
    I = layer.size("input_size")
    bf = layer.flag("batch_first")
    packed = isinstance(x, Packed)
    tensor = x.data if isinstance(x, Packed) else x
    if packed and isinstance(x, Packed):
        bf = x.batch_first
    out_w = _mul(D, H_out)
    info = rnn_info(layer, batch_first=bf if isinstance(bf, bool) else None)
    note = _width_note(layer)

    if isinstance(tensor, Tensor) and tensor.hole is None and tensor.shape is None:
        # an undecided if left the input as it came on one path: the layer is its consumer there
        holes = [t for t in tensor.alts if t.hole is not None and t.shape is None]
        if len({t.hole for t in holes}) == 1:
            tensor = holes[0]
        elif (came := ops.as_it_came(tensor)) is not None:
            tensor = came
    if isinstance(tensor, Tensor) and tensor.hole is not None and tensor.shape is None:
        if isinstance(bf, bool):
            B = site.batch_symbol()
            T = site.time_symbol(tensor.hole[0])
            layout = (B, T, I) if bf else (T, B, I)
            roles = (BATCH, TIME, FEATURE) if bf else (TIME, BATCH, FEATURE)
            site.bind_hole(tensor, Shape(layout), roles, "float", reader=True)

    batch: Expr | None = None
    batched = False  # a 3-d initial state: the input is batched, whatever its batch
    out_shape: Shape | None = None
    out_roles: tuple[str | None, ...] | None = None
    unbatched = False
    if isinstance(tensor, Tensor) and tensor.shape is not None:
        check_features(site, layer, tensor, I, what="input_size")
        dims: tuple[Expr | None, ...] = tensor.shape.dims
        if not tensor.shape.star and len(dims) == 3:
            b_ax = 0 if bf is True else 1 if bf is False else None
            if b_ax is not None:
                batch = dims[b_ax]
                out_roles = (BATCH, TIME, FEATURE) if bf else (TIME, BATCH, FEATURE)
                t_ax = 1 - b_ax
                if tensor.role(t_ax) == BATCH and (
                        tensor.role(b_ax) == TIME
                        or tensor.role(b_ax) is None and site.spatial_size(dims[b_ax])):
                    # (the second: a CNN's map of the caller's image, its batch where the RNN
                    # reads time and a width of the image where it reads the batch)
                    c = Conflict("layout", layer, "(B, T, F)" if bf else "(T, B, F)",
                                 tensor.shape.render(), tensor=tensor, batch_first=bf is True,
                                 reader="rnn", packed=packed)
                    b_dim, t_dim = dims[t_ax], dims[b_ax]
                    reader = site.node
                    if not packed and b_dim is not None and t_dim is not None \
                            and reader is not None \
                            and site.guessed_layout(tensor, b_dim, t_dim):
                        # another reader's guess of the caller's layout: decided once the
                        # code has run (a ReNet's sweep of one grid both ways is no bug)
                        site.recheck_later(functools.partial(_unless_swept, site, c, reader,
                                                             b_dim, t_dim))
                    else:
                        site.conflict(c)
            out_shape = Shape(dims[:-1] + (out_w,))
        elif not tensor.shape.star and len(dims) == 2:
            unbatched = True
            out_shape = Shape((dims[0], out_w))
            out_roles = (TIME, FEATURE)
        elif tensor.shape.star:
            out_shape = Shape(dims[:-1] + (out_w,), star=True)
    elif packed and isinstance(tensor, Tensor) and tensor.hole is None and out_w is not None:
        # a PackedSequence of steps of any shape: an RNN reads it only if each step is a
        # vector, so the output pads back to 3 axes, batch and time as the packing laid them
        # out, and D*H_out features
        out_shape = Shape((None, None, out_w))
        if isinstance(bf, bool):
            out_roles = (BATCH, TIME, FEATURE) if bf else (TIME, BATCH, FEATURE)
    elif not packed and (isinstance(tensor, Tensor) and tensor.hole is None
                         or tensor is UNKNOWN) and out_w is not None:
        # whatever the input (its layout, even whether it is known at all), the output ends
        # with D*H_out features
        out_shape = Shape((out_w,), star=True)

    state_first = _mul(D, L)
    c_width = H if layer.kind == "LSTM" else H_out
    if batch is None and not unbatched:
        # the input does not tell its batch: a 3-d initial state does (PyTorch requires a
        # batched input for a batched state, and the same batch in both)
        # (a 3-d state whose batch is not known here still says the input is 3-d: an
        # unbatched input takes 2-d states only)
        given_states = list(hx.items) if isinstance(hx, Seq) else [hx]
        states3 = [g for g in given_states if isinstance(g, Tensor) and g.shape is not None
                   and not g.shape.star and len(g.shape.dims) == 3]
        batch = next((g.shape.dims[1] for g in states3 if g.shape is not None
                      and g.shape.dims[1] is not None), None)
        batched = bool(states3)
        if states3 and isinstance(bf, bool):
            b_ax = 0 if bf else 1
            if out_shape is not None and not out_shape.star and len(out_shape.dims) == 3:
                dims3 = list(out_shape.dims)
                if dims3[b_ax] is None:
                    dims3[b_ax] = batch
                out_shape = Shape(tuple(dims3))
            elif isinstance(tensor, Tensor) and (tensor.shape is None or tensor.shape.star) \
                    and out_w is not None:
                # a batched state: the input is 3-d, its time axis unknown here (an input not
                # known at all may be a PackedSequence: its output is no 3-d tensor)
                dims3 = [None, None, out_w]
                dims3[b_ax] = batch
                out_shape = Shape(tuple(dims3))
                out_roles = (BATCH, TIME, FEATURE) if bf else (TIME, BATCH, FEATURE)
    if unbatched:
        h_shape: Shape | None = Shape((state_first, H_out))
        c_shape: Shape | None = Shape((state_first, c_width))
        state_roles: tuple[str | None, ...] | None = (STATE, FEATURE)
    elif batch is not None:
        h_shape = Shape((state_first, batch, H_out))
        c_shape = Shape((state_first, batch, c_width))
        state_roles = (STATE, BATCH, FEATURE)
    else:
        h_shape = c_shape = None
        state_roles = None

    if layer.kind == ANY_RNN:
        # GRU and RNN return h_n, an LSTM (h_n, c_n): the state is not known, nor is what an
        # initial state must be; the layout the layer reads is
        _check_layout(site, layer, tensor, [hx] if isinstance(hx, Tensor) else [], bf)
        out_any = Tensor(out_shape, "float", out_roles, info, "output", note)
        first: Value = Packed(out_any, bf if isinstance(bf, bool) else None) if packed \
            else out_any
        return Seq((first, UNKNOWN))

    # initial states
    expected_states: list[tuple[str, Shape | None]] = [("h_0", h_shape)]
    given: list[Value] = [hx]
    if layer.kind == "LSTM":
        expected_states.append(("c_0", c_shape))
        parts = site.tuple_parts(hx, 2)  # a forward input handed whole: (h_0, c_0)
        given = list(hx.items) if isinstance(hx, Seq) and len(hx.items) == 2 else \
            list(parts) if parts is not None else [UNKNOWN, UNKNOWN]
    if _check_layout(site, layer, tensor, given, bf):
        given = [UNKNOWN] * len(given)  # states for a layout the code does not mean
    # the input's shape is not known here (it is computed by ops the engine does not follow):
    # a state that is a forward input is solved with the batch symbol all inputs share, as an
    # input the layer reads is (B, T, input_size): the state PyTorch needs for that input
    shapeless = (isinstance(tensor, Tensor) and tensor.shape is None) or tensor is UNKNOWN
    for (sname, exp), g in zip(expected_states, given, strict=False):
        if isinstance(g, Tensor) and g.hole is not None and g.shape is None and exp is None \
                and shapeless and not unbatched:
            width = H_out if sname == "h_0" else c_width
            site.bind_hole(g, Shape((state_first, site.batch_symbol(), width)),
                           (STATE, BATCH, FEATURE), "float")
        elif isinstance(g, Tensor) and g.hole is not None and g.shape is None and exp is not None:
            site.bind_hole(g, exp, state_roles, "float")
        elif isinstance(g, Tensor) and g.shape is not None and exp is not None:
            check_state(site, layer, sname, g, exp, state_roles)
        elif isinstance(g, Tensor) and g.shape is not None and not g.shape.star \
                and len(g.shape.dims) == 3 and not unbatched:
            # the input's batch is unknown, but a 3-d state is batched: its first and last
            # axes are still fixed by the layer alone (an encoder's h_n into a decoder)
            width = H_out if sname == "h_0" else c_width
            check_state(site, layer, sname, g, Shape((state_first, None, width)),
                        (STATE, BATCH, FEATURE))
        elif isinstance(g, Tensor) and g.shape is None and g.alts and exp is not None:
            # the branches of an undecided if disagree on the state's rank or one of them
            # is not known: the known ones are still checked by role
            _check_alts(site, layer, sname, g, exp, state_roles)

    if h_shape is None and batched and H_out is not None:
        # the final state of a batched input of a batch not known here
        h_shape, state_roles = Shape((state_first, None, H_out)), (STATE, BATCH, FEATURE)
        c_shape = Shape((state_first, None, c_width)) if c_width is not None else None
    out = Tensor(out_shape, "float", out_roles, info, "output", note)
    h_n = Tensor(h_shape, "float", state_roles, info, "h_n")
    result_out: Value = Packed(out, bf if isinstance(bf, bool) else None) if packed else out
    if layer.kind == "LSTM":
        c_n = Tensor(c_shape, "float", state_roles, info, "c_n")
        return Seq((result_out, Seq((h_n, c_n))))
    return Seq((result_out, h_n))


def _state_on_time_axis(x: Value, given: Sequence[Value],
                        bf: object) -> tuple[str, Tensor] | None:
    """The initial state whose batch axis is the very size the layer reads as time.

    ``h0 = zeros(L, x.size(0), H)`` into a ``batch_first=False`` layer (or a step decoder's
    ``(B, 1, F)`` with a state of batch ``B``): the code sizes the state from the axis it
    believes is the batch, and the layer reads that axis as time. PyTorch accepts it only
    when batch and time happen to be equal, so it is a layout disagreement between the code
    and the layer, not a size to solve for. Only a symbolic size counts (a literal 1 on both
    may be a coincidence), and never one equal to the batch the layer reads.
    """
    if not isinstance(bf, bool) or not isinstance(x, Tensor) or x.shape is None \
            or x.shape.star or len(x.shape.dims) != 3:
        return None
    b_ax = 0 if bf else 1
    t_dim, b_dim = x.shape.dims[1 - b_ax], x.shape.dims[b_ax]
    if t_dim is None or t_dim.as_int() is not None or t_dim == b_dim:
        return None
    for sname, g in zip(("h_0", "c_0"), given, strict=False):
        if isinstance(g, Tensor) and g.shape is not None and not g.shape.star \
                and len(g.shape.dims) == 3 and g.shape.dims[1] == t_dim:
            return sname, g
    return None


def _unless_swept(site: Site, c: Conflict, reader: int, batch: Expr,
                  time: Expr) -> Conflict | None:
    """The deferred layout conflict of a second reader of a guessed layout: it stands unless
    the code sweeps one grid both ways (:mod:`lstm_lint.interp.layout_guess`)."""
    return None if site.swept_both_ways(reader, batch, time) else c


def _check_layout(site: Site, layer: Layer, x: Value, given: Sequence[Value],
                  bf: object) -> bool:
    """Report the layout the code states against the one the layer reads (True if so)."""
    if not isinstance(x, Tensor) or not isinstance(bf, bool):
        return False
    swapped = _state_on_time_axis(x, given, bf)
    # the code's own use of an axis outweighs its name for it: a state sized from the axis
    # the layer reads as the batch (``batch_size, seq_len = tokens.shape`` over time-major
    # tokens, then ``zeros(1, seq_len, H)``) is the code agreeing with the layer, whatever
    # it calls the axes
    agrees = _state_on_batch_axis(x, given, bf)
    if agrees is not None:
        # and so in the pass where the caller passes the state, and for another layer if
        # its batch is the very value the code named for time (interp.layout_names)
        site.state_batch(*agrees)
    named = _named_against_layer(site, x, bf) if swapped is None and agrees is None else None
    if swapped:
        site.conflict(layout_conflict(layer, x, bf, swapped, None))
        return True
    if named:
        # withdrawn once the pass has run if the code's own state says otherwise
        site.layout_named(layout_conflict(layer, x, bf, None, named))
        return True
    if x.shape is not None and agrees is None:
        # names given later (``batch_size, steps, _ = out.shape`` on the output) count too
        site.recheck_later(lambda: _late_named(site, layer, x, bf))
    return False


def _state_on_batch_axis(x: Value, given: Sequence[Value],
                         bf: object) -> tuple[Expr, Tensor] | None:
    """The (symbolic) size the layer reads as the batch, a size other than the one it reads
    as time, and the initial state the code builds itself from it; None when there is none.
    A state a recurrent layer typed (a forward input solved from this layer's own
    expectation, an ``h_n`` handed over) says nothing of the code's layout: its axis 0 holds
    the state role. A state that is the caller's or the code's by a branch (``if h0 is
    None: h0 = zeros(1, seq_len, H)``) counts by the branch the code built."""
    if not isinstance(bf, bool) or not isinstance(x, Tensor) or x.shape is None \
            or x.shape.star or len(x.shape.dims) != 3:
        return None
    b_dim, t_dim = x.shape.dims[0 if bf else 1], x.shape.dims[1 if bf else 0]
    if b_dim is None or b_dim.as_int() is not None or b_dim == t_dim:
        return None
    for g in given:
        if not isinstance(g, Tensor):
            continue
        for t in (g, *g.alts):
            if t.shape is not None and not t.shape.star and len(t.shape.dims) == 3 \
                    and t.shape.dims[1] == b_dim and t.role(0) != STATE:
                return b_dim, t
    return None


def layout_conflict(layer: Layer, x: Tensor, bf: bool,
                    swapped: tuple[str, Tensor] | None,
                    named: tuple[str, int, Any] | None) -> Conflict:
    """An RNN reads its input in a layout the code contradicts (see LST204)."""
    assert x.shape is not None
    return Conflict("layout", layer, "(B, T, F)" if bf else "(T, B, F)", x.shape.render(),
                    tensor=x, batch_first=bf, reader="rnn",
                    state=swapped[0] if swapped else "h_0",
                    target=swapped[1] if swapped else None, named=named)


def _late_named(site: Site, layer: Layer, x: Tensor, bf: bool) -> Conflict | None:
    named = _named_against_layer(site, x, bf)
    return layout_conflict(layer, x, bf, None, named) if named else None


def _named_against_layer(site: Site, x: Value, bf: object) -> tuple[str, int, Any] | None:
    """An input axis the code names for the other role than the layer reads it as:
    ``batch_size = x.size(0)`` before a ``batch_first=False`` layer reads axis 0 as time.

    The name is the code's own statement of its layout; only a symbolic size counts, named
    one way only, and never when the other axis is named for the same role too.
    """
    if not isinstance(bf, bool) or not isinstance(x, Tensor) or x.shape is None \
            or x.shape.star or len(x.shape.dims) != 3:
        return None
    b_ax = 0 if bf else 1
    t_ax = 1 - b_ax
    d_b, d_t = x.shape.dims[b_ax], x.shape.dims[t_ax]
    if d_b == d_t:
        return None
    on_b, on_t = site.named_size(d_b), site.named_size(d_t)
    if on_t is not None and on_t[0] == BATCH and (on_b is None or on_b[0] == TIME):
        return on_t[1], t_ax, on_t[2]
    if on_b is not None and on_b[0] == TIME and (on_t is None or on_t[0] == BATCH):
        return on_b[1], b_ax, on_b[2]
    return None


def check_state(site: Site, layer: Layer, sname: str, g: Tensor, exp: Shape,
                exp_roles: tuple[str | None, ...] | None = None) -> None:
    assert g.shape is not None
    got = g.shape
    if got.star or len(got.dims) != len(exp.dims):
        if not got.star:
            site.conflict(Conflict("state", layer, exp.render(), got.render(),
                                   tensor=g, state=sname, axis=None))
        return
    if exp_roles is None or len(exp_roles) != len(exp.dims):
        exp_roles = (None,) * len(exp.dims)
    for ax, (e, d) in enumerate(zip(exp.dims, got.dims, strict=True)):
        if e is None or d is None or e == d:
            continue
        if role_mismatch(g, ax, exp_roles[ax]) or named_mismatch(site, d, exp_roles[ax]) \
                or differs(e, d, site, f"{layer.label()} {sname}"):
            site.conflict(Conflict("state", layer, exp.render(), got.render(),
                                   tensor=g, state=sname, axis=ax, shape=exp))
            return
    _check_alts(site, layer, sname, g, exp, exp_roles)


def _check_alts(site: Site, layer: Layer, sname: str, g: Tensor, exp: Shape,
                exp_roles: tuple[str | None, ...] | None) -> None:
    """The state differs between the branches of an if the analysis cannot decide: a branch
    that puts the batch (or time) where the layers are, whatever the sizes, is wrong on the
    path through it (sizes alone are not enough there: the branches may follow the layer)."""
    if exp_roles is None or len(exp_roles) != len(exp.dims):
        exp_roles = (None,) * len(exp.dims)
    for alt in g.alts:
        a = alt.shape
        if a is None or a.star or len(a.dims) != len(exp.dims):
            continue
        for ax, (e, d) in enumerate(zip(exp.dims, a.dims, strict=True)):
            if e is not None and d is not None and e != d and (
                    role_mismatch(alt, ax, exp_roles[ax])
                    or named_mismatch(site, d, exp_roles[ax])):
                site.conflict(Conflict("state", layer, exp.render(), a.render(),
                                       tensor=alt, state=sname, axis=ax, shape=exp))
                break


def apply_cell(site: Site, layer: Layer, args: Sequence[Value]) -> Value:
    x = args[0] if args else UNKNOWN
    H = layer.size("hidden_size")
    I = layer.size("input_size")
    batch: Expr | None = None
    batched = True
    if isinstance(x, Tensor) and x.hole is not None and x.shape is None:
        site.bind_hole(x, Shape((site.batch_symbol(), I)), (BATCH, FEATURE), "float")
    if isinstance(x, Tensor) and x.shape is not None and not x.shape.star \
            and len(x.shape.dims) == 3 and {x.role(0), x.role(1)} == {BATCH, TIME}:
        # a sequence at every step into a cell, which takes one step (1-d or 2-d): torch
        # raises; where a summary step was meant (the last step, pooling), it is missing
        site.conflict(Conflict(
            "per_sequence_target", layer,
            f"({dim_str(x.shape.dims[0 if x.role(0) == BATCH else 1])}, {dim_str(I)}) input",
            x.shape.render(), tensor=x, head=x.head, loss="cell"))
        return Seq((Tensor(None, "float"), Tensor(None, "float"))) \
            if layer.kind == "LSTMCell" else Tensor(None, "float")
    if isinstance(x, Tensor) and x.shape is not None:
        check_features(site, layer, x, I, what="input_size")
        if not x.shape.star and len(x.shape.dims) == 2:
            batch = x.shape.dims[0]
        elif not x.shape.star and len(x.shape.dims) == 1:
            batched = False
    hx = args[1] if len(args) > 1 else Const(None)
    parts = site.tuple_parts(hx, 2) if layer.kind == "LSTMCell" else None
    states: list[Value] = list(hx.items) if isinstance(hx, Seq) else \
        list(parts) if parts is not None else [hx]
    if batch is None and batched:
        # the input does not tell its batch: a 2-d state does (PyTorch requires a batched
        # input for a batched state, with the same batch)
        for g in states:
            if isinstance(g, Tensor) and g.shape is not None and not g.shape.star \
                    and len(g.shape.dims) == 2 and g.shape.dims[0] is not None \
                    and not (isinstance(x, Tensor) and x.shape is not None and not x.shape.star
                             and len(x.shape.dims) != 2):
                batch = g.shape.dims[0]
                break
    exp = Shape((batch, H)) if batched else Shape((H,))
    roles = (BATCH, FEATURE) if batched else (FEATURE,)
    # a state that is a forward input: (B, hidden_size) for the batch the input tells, or,
    # when the input's shape is not known at all, the batch symbol all inputs share
    shapeless = (isinstance(x, Tensor) and x.shape is None) or x is UNKNOWN
    hole_exp = exp if batch is not None or not batched else \
        Shape((site.batch_symbol(), H)) if shapeless else None
    for g in states[:2 if layer.kind == "LSTMCell" else 1]:
        if isinstance(g, Tensor) and g.hole is not None and g.shape is None \
                and hole_exp is not None and H is not None:
            site.bind_hole(g, hole_exp, roles, "float")
    for i, g in enumerate(states):
        if isinstance(g, Tensor) and g.shape is not None and not g.shape.star and batch is not None:
            check_state(site, layer, "hc"[i] if i < 2 else "state", g, exp,
                        (BATCH, FEATURE) if batched else (FEATURE,))
    h = Tensor(exp if (batch is not None or not batched) else None, "float", roles, None, "cell_h")
    if layer.kind == "LSTMCell":
        return Seq((h, h.with_(what="cell_c")))
    return h


def _dropout(layer: Layer) -> int | float | None:
    """The layer's ``dropout`` when it is a known number."""
    dropout = layer.p("dropout")
    dv = dropout.value if isinstance(dropout, Const) else None
    if isinstance(dropout, Int) and dropout.expr is not None:
        dv = dropout.expr.as_int()
    return dv if isinstance(dv, (int, float)) and not isinstance(dv, bool) else None


def config_constraints(layer: Layer) -> list[tuple[Expr, str, Expr, str]]:
    """What the caller's sizes must satisfy for the configuration to do what it says, as
    ``(lhs, op, rhs, why)``: a recurrent layer with ``dropout > 0`` and a layer count the
    caller picks (``num_layers=n_layer``) drops out between stacked layers only, so it needs
    ``n_layer > 1``.  Never a finding (one layer may be the caller's choice, and then torch
    warns); ``lstm-lint shapes`` shows it beside the shapes, as it shows size equalities."""
    if layer.kind not in RECURRENT:
        return []
    dv, L = _dropout(layer), layer.size("num_layers")
    if dv is None or dv <= 0 or L is None or L.as_int() is not None:
        return []
    return [(L, ">", const(1), f"dropout={dv} acts only between stacked layers")]


def config_conflicts(layer: Layer) -> list[Conflict]:
    """Configuration facts about a recurrent layer, known from its constructor alone."""
    out: list[Conflict] = []
    if layer.kind not in RECURRENT:
        return out
    dv = _dropout(layer)
    L = layer.size("num_layers")
    if isinstance(dv, (int, float)) and dv > 0 and L is not None and L.as_int() == 1:
        out.append(Conflict("config", layer, "num_layers > 1", "num_layers=1",
                            option="dropout", value=dv))
    proj, H = layer.size("proj_size"), layer.size("hidden_size")
    if proj is not None and H is not None and proj.as_int() != 0:
        d = proj - H
        dc = d.as_int()
        # proj_size >= hidden_size for every choice of sizes (2*hidden vs hidden): an LSTM
        # refuses it; a GRU or an RNN refuses any projection, and this one is at least
        # hidden_size >= 1 (a literal > 0 too)
        too_large = (dc is not None and dc >= 0) or proj == H or nonnegative(d)
        if layer.kind == "LSTM" and too_large:
            out.append(Conflict("config", layer, f"proj_size < hidden_size ({H})",
                                f"proj_size={proj}", option="proj_size"))
        elif layer.kind in ("GRU", "RNN") and (too_large or (proj.as_int() or 0) > 0):
            out.append(Conflict("config", layer, "no proj_size (only nn.LSTM projects)",
                                f"proj_size={proj}", option="proj_size"))
    return out


#: for rules: D and H_out of a recurrent layer, from its configuration alone
directions = _directions
h_out = _h_out

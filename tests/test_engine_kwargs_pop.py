"""``kwargs.pop(name, default)`` on a constructor's ``**kwargs`` (configuration classes in the
style of ``transformers``' ``PretrainedConfig``): the value given, else the default, and the key
gone after it, so a later ``kwargs.get`` still reads the others.  Checked against torch."""

from __future__ import annotations

from test_engine_facts import run_both

from lstm_lint.lint import Options, check_file, load

CONFIG = '''
class BaseConfig:
    def __init__(self, **kwargs):
        self.output_hidden_states = kwargs.pop("output_hidden_states", False)
        self.extra_steps = kwargs.pop("extra_steps", 2)
        self.left = len(kwargs)
        self.width = kwargs.get("width", 3)


class Config(BaseConfig):
    def __init__(self, hidden=8, **kwargs):
        super().__init__(**kwargs)
        self.hidden = hidden


class Net(nn.Module):
    def __init__(self, hidden, **kw):
        super().__init__()
        config = Config(hidden=hidden, **kw)
        self.rnn = nn.LSTM(4, config.hidden, batch_first=True)
        self.output_hidden_states = config.output_hidden_states
        self.steps = config.extra_steps
        self.width = config.width

    def forward(self, x):
        out, _ = self.rnn(x)
        outs = (out,)
        if self.output_hidden_states:
            outs = outs + (x,)
        return outs, torch.zeros(self.steps, self.width)
'''


def test_popped_defaults_when_not_given(tmp_path):
    static, real = run_both(tmp_path, CONFIG, {"hidden": 6}, ["float32[3,7,4]"])
    assert static == [[(3, 7, 6)], (2, 3)] == real


def test_popped_values_given_and_the_rest_still_read(tmp_path):
    static, real = run_both(tmp_path, CONFIG,
                            {"hidden": 6, "output_hidden_states": True, "extra_steps": 5,
                             "width": 9}, ["float32[3,7,4]"])
    assert static == [[(3, 7, 6), (3, 7, 4)], (5, 9)] == real


def test_pop_without_a_default_of_a_missing_key_is_not_a_value(tmp_path):
    # torch raises KeyError: the engine claims nothing about it
    static, _real = run_both(tmp_path, '''
class Net(nn.Module):
    def __init__(self, **kwargs):
        super().__init__()
        self.n = kwargs.pop("n", 4)
        self.m = kwargs.pop("m") if "m" in kwargs else 2

    def forward(self, x):
        return x.new_zeros(self.n, self.m)
''', {"m": 5}, ["float32[3]"])
    assert static in ((4, 5), (4, None), None)


ALIASED = '''
class Net(nn.Module):
    """``self.rnn_opts`` holds the very dict ``pop`` then changes: both LSTMs are one-way."""
    def __init__(self, n_in, hidden, n_out, **rnn_opts):
        super().__init__()
        self.rnn_opts = rnn_opts
        self.both_ways = rnn_opts.pop("bidirectional", False)
        self.fwd = nn.LSTM(n_in, hidden, batch_first=True, **self.rnn_opts)
        if self.both_ways:
            self.bwd = nn.LSTM(n_in, hidden, batch_first=True, **self.rnn_opts)
        self.fc = nn.Linear(hidden * (2 if self.both_ways else 1), n_out)

    def forward(self, x):
        out, _ = self.fwd(x)
        if self.both_ways:
            back, _ = self.bwd(x.flip(1))
            out = torch.cat([out, back], dim=-1)
        return self.fc(out)


if __name__ == "__main__":
    print(Net(5, 8, 3, bidirectional=True, num_layers=2)(torch.randn(2, 6, 5)).shape)
'''


def test_a_popped_key_leaves_other_holders_of_the_dict_not_knowing_it(tmp_path):
    """From review rv5: the key ``pop`` removed is unknown to every other holder of the dict
    (not still there, which built both LSTMs bidirectional: a false LST101 at the head)."""
    static, real = run_both(tmp_path, ALIASED, {"n_in": 5, "hidden": 8, "n_out": 3,
                                                "bidirectional": True, "num_layers": 2},
                            ["float32[2,6,5]"])
    assert real == (2, 6, 3)
    path = tmp_path / "model.py"
    fm = load(str(path))
    assert fm is not None and check_file(fm, None, Options()).findings == []

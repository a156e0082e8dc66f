"""A model whose constructor hands **kwargs to a base that needs two sizes of its own
(darts' PLForecastingModule: input_chunk_length, output_chunk_length)."""
import torch.nn as nn


class ForecastingBase(nn.Module):
    def __init__(self, input_chunk_length, output_chunk_length, loss_fn=None):
        super().__init__()
        self.input_chunk_length = input_chunk_length
        self.output_chunk_length = output_chunk_length


class Forecaster(ForecastingBase):
    def __init__(self, n_in, hidden, dropout=0.5, **kwargs):
        super().__init__(**kwargs)
        self.lstm = nn.LSTM(n_in, hidden, batch_first=True, dropout=dropout)
        self.head = nn.Linear(hidden, self.output_chunk_length)

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.head(out[:, -1])

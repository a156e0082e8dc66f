"""Video captioner (S2VT style): the word padding joined with the frame encoder's output is
built batch-first, as the encoder runs."""
import torch
from torch import nn


class S2VT(nn.Module):
    def __init__(self, dim_vid=12, dim_hidden=16, dim_word=8):
        super().__init__()
        self.dim_word = dim_word
        self.rnn1 = nn.GRU(dim_vid, dim_hidden, batch_first=True)
        self.rnn2 = nn.GRU(dim_hidden + dim_word, dim_hidden, batch_first=True)

    def forward(self, vid_feats):
        batch_size, n_frames, _ = vid_feats.shape
        padding_words = vid_feats.new(batch_size, n_frames, self.dim_word).zero_()
        output1, state1 = self.rnn1(vid_feats)
        input2 = torch.cat((output1, padding_words), dim=2)
        output2, state2 = self.rnn2(input2)
        return output2


EXPECT_ERROR = None


def demonstrate():
    model = S2VT()
    assert tuple(model(torch.randn(3, 7, 12)).shape) == (3, 7, 16)

"""Text classifier whose init_hidden builds the state in two branches (GPU or not); the CPU
branch puts the batch first, so the model crashes on every machine without CUDA."""
import argparse

import torch
import torch.nn as nn


class TextLSTM(nn.Module):
    def __init__(self, opt):
        super().__init__()
        self.hidden_dim = opt.hidden_dim
        self.use_gpu = torch.cuda.is_available()
        self.embed = nn.Embedding(opt.vocab_size, opt.embedding_dim)
        self.lstm = nn.LSTM(opt.embedding_dim, opt.hidden_dim)
        self.out = nn.Linear(opt.hidden_dim, opt.label_size)

    def init_hidden(self, batch_size):
        if self.use_gpu:
            h0 = torch.zeros(1, batch_size, self.hidden_dim).cuda()
            c0 = torch.zeros(1, batch_size, self.hidden_dim).cuda()
        else:
            h0 = torch.zeros(batch_size, 1, self.hidden_dim)  # expect: LST301
            c0 = torch.zeros(1, batch_size, self.hidden_dim)
        return (h0, c0)

    def forward(self, tokens):
        x = self.embed(tokens).permute(1, 0, 2)
        out, _ = self.lstm(x, self.init_hidden(tokens.size(0)))
        return self.out(out[-1])


EXPECT_ERROR = "Expected hidden[0] size (1, 3, 16), got [3, 1, 16]"


def demonstrate():
    opt = argparse.Namespace(hidden_dim=16, vocab_size=50, embedding_dim=8, label_size=4)
    model = TextLSTM(opt)
    model.use_gpu = False  # the CPU branch, as on a machine without CUDA
    model(torch.randint(0, 50, (3, 7)))

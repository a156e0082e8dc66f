"""Session recommender in a recommender-library style: the base class gathers each
sequence's last real step at `item_seq_len - 1` along axis 1 of the batch-first output."""
import torch
import torch.nn as nn


class SequentialRecommender(nn.Module):
    def gather_indexes(self, output, gather_index):
        gather_index = gather_index.view(-1, 1, 1).expand(-1, -1, output.shape[-1])
        return output.gather(dim=1, index=gather_index).squeeze(1)


class GRU4Rec(SequentialRecommender):
    def __init__(self, config):
        super().__init__()
        self.item_embedding = nn.Embedding(config["n_items"], config["embedding_size"],
                                           padding_idx=0)
        self.emb_dropout = nn.Dropout(config["dropout_prob"])
        self.gru_layers = nn.GRU(
            input_size=config["embedding_size"],
            hidden_size=config["hidden_size"],
            num_layers=config["num_layers"],
            bias=False,
            batch_first=True,
        )
        self.dense = nn.Linear(config["hidden_size"], config["embedding_size"])

    def forward(self, item_seq, item_seq_len):
        item_seq_emb = self.emb_dropout(self.item_embedding(item_seq))
        gru_output, _ = self.gru_layers(item_seq_emb)
        gru_output = self.dense(gru_output)
        return self.gather_indexes(gru_output, item_seq_len - 1)


EXPECT_ERROR = None


def demonstrate():
    torch.manual_seed(0)
    config = {"n_items": 50, "embedding_size": 8, "hidden_size": 12, "num_layers": 1,
              "dropout_prob": 0.0}
    model = GRU4Rec(config).eval()
    item_seq = torch.randint(1, 50, (4, 6))
    item_seq_len = torch.tensor([6, 3, 5, 2])
    out = model(item_seq, item_seq_len)
    assert out.shape == (4, 8)
    # Each sample's summary depends on its own items only.
    other = item_seq.clone()
    other[0] = torch.randint(1, 50, (6,))
    assert torch.allclose(model(other, item_seq_len)[1:], out[1:])

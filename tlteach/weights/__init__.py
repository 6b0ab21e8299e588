"""Weights of the course's source CNNs (written by ``python -m tlteach.torch.pretrain``)."""

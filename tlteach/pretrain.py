"""Moved to ``tlteach.torch.pretrain``: this old path keeps working, with a
DeprecationWarning, until the next release."""

from tlteach._moved import moved_to

__getattr__ = moved_to("tlteach.torch.pretrain", "tlteach.pretrain")

if __name__ == "__main__":  # python -m tlteach.pretrain, as before
    from tlteach.torch.pretrain import main

    main()

from .checkpoint import (check_state_dict, load_pretrained_strict,
                         read_checkpoint, state_dict_with_prefix)

__all__ = [
    'check_state_dict', 'load_pretrained_strict', 'read_checkpoint',
    'state_dict_with_prefix'
]

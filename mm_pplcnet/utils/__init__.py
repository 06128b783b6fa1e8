from .checkpoint import (CheckpointError, CheckpointMismatchError,
                         DamagedCheckpointError, check_checkpoint_file,
                         check_state_dict, load_pretrained_strict,
                         load_state_dict_checked, read_checkpoint,
                         state_dict_with_prefix)
from .reparameterize import switch_to_deploy_

__all__ = [
    'CheckpointError', 'CheckpointMismatchError', 'DamagedCheckpointError',
    'check_checkpoint_file', 'check_state_dict', 'load_pretrained_strict',
    'load_state_dict_checked', 'read_checkpoint', 'state_dict_with_prefix',
    'switch_to_deploy_'
]

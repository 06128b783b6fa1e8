"""Weight converters (key maps) used by tools/model_converters."""
from .common import (fetch, load_pdparams, load_torch_state_dict,
                     paddle_bn_name, save_checkpoint, to_tensor_dict)
from .mobilenet_v3 import (build_mobilenet_v3_classifier, convert_mobilenet_v3,
                           infer_arch_scale, paddle_mobilenet_v3_to_mm,
                           paddle_mobilenet_v3_url)
from .picodet import (PICODET_SIZES, build_picodet, convert_picodet,
                      detect_generation, infer_picodet_arch,
                      paddle_picodet_to_mm, picodet_model_cfg)
from .pplcnet import (PUBLISHED_SCALES, convert_pplcnet, infer_scale,
                      paddle_pplcnet_to_mm, paddle_url, timm_lcnet_to_mm)
from .pplcnetv2 import (convert_pplcnetv2, paddle_pplcnetv2_to_mm,
                        timm_lcnetv2_to_mm)

__all__ = [
    'fetch', 'load_pdparams', 'load_torch_state_dict', 'paddle_bn_name',
    'save_checkpoint', 'to_tensor_dict', 'PUBLISHED_SCALES', 'convert_pplcnet',
    'infer_scale', 'paddle_pplcnet_to_mm', 'paddle_url', 'timm_lcnet_to_mm',
    'build_mobilenet_v3_classifier', 'convert_mobilenet_v3',
    'infer_arch_scale', 'paddle_mobilenet_v3_to_mm', 'paddle_mobilenet_v3_url',
    'PICODET_SIZES', 'build_picodet', 'convert_picodet', 'infer_picodet_arch',
    'paddle_picodet_to_mm', 'picodet_model_cfg', 'detect_generation',
    'convert_pplcnetv2', 'paddle_pplcnetv2_to_mm', 'timm_lcnetv2_to_mm'
]

from .pplcnet import PPLCNet, parse_scale

__all__ = ['PPLCNet', 'parse_scale']

"""Huawei BSS's billing API (``/v2/bills``, ``/v2/accounts``), as huaweicloudsdkbss calls it."""

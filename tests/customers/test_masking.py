"""Masking of phone numbers and addresses."""

from types import SimpleNamespace

import pytest

from kefu.customers.masking import address_for, mask_address, mask_phone, phone_for


@pytest.mark.parametrize(
    ("phone", "masked"),
    [("13812345678", "138****5678"), ("0571-88886666", "057******6666"), ("12345", "***45"), ("", ""), ("7", "*")],
)
def test_mask_phone(phone, masked):
    assert mask_phone(phone) == masked


@pytest.mark.parametrize(
    ("address", "masked"),
    [
        ("浙江省杭州市西湖区文三路123号5幢", "浙江省杭州市西湖区****"),
        ("北京市朝阳区建国路88号", "北京市朝阳区****"),
        ("新疆维吾尔自治区乌鲁木齐市天山区解放路1号", "新疆维吾尔自治区乌鲁木齐市天山区****"),
        ("广东省深圳市", "广东省深圳市"),
        ("文三路123号", "****"),
        ("12 Main Street, Springfield, IL", "****, Springfield, IL"),
        ("", ""),
    ],
)
def test_mask_address(address, masked):
    assert mask_address(address) == masked


@pytest.mark.parametrize(
    ("viewer", "shown"),
    [
        (SimpleNamespace(sees_contact_details=False), ("138****5678", "北京市朝阳区****")),
        (SimpleNamespace(sees_contact_details=True), ("13812345678", "北京市朝阳区建国路88号")),
        (None, ("138****5678", "北京市朝阳区****")),
    ],
)
def test_viewer_decides(viewer, shown):
    assert (phone_for(viewer, "13812345678"), address_for(viewer, "北京市朝阳区建国路88号")) == shown

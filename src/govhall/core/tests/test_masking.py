import logging

from govhall.core.masking import MaskingFilter, mask_id_number, mask_name, mask_phone, mask_text


def test_masks():
    assert mask_id_number("11010519491231002X") == "110105********002X"
    assert mask_phone("13800138000") == "138****8000"
    assert mask_name("张明") == "张*"
    assert mask_name("欧阳娜娜") == "欧**娜"
    assert mask_id_number("") == ""


def test_free_text_masking_leaves_other_numbers():
    text = "申请人 11010519491231002X 电话 13800138000，办件号 20261124000123456789"
    masked = mask_text(text)
    assert "11010519491231002X" not in masked and "13800138000" not in masked
    assert "20261124000123456789" in masked


def test_log_lines_never_carry_full_numbers(caplog):
    logger = logging.getLogger("govhall.test")
    handler_filter = MaskingFilter()
    record = logger.makeRecord(
        "govhall.test",
        logging.INFO,
        __file__,
        1,
        "phone %s id %s",
        ("13800138000", "11010519491231002X"),
        None,
    )
    handler_filter.filter(record)
    assert record.getMessage() == "phone 138****8000 id 110105********002X"

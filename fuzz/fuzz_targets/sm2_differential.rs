#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    yinxin::fuzzing::sm2_differential(data);
});

# INTERFACE target losslab_xsimd: xsimd 13 headers unpacked by scripts/get-xsimd13.sh.
# Not find_package(xsimd): trixie's config wants xtl, and emcmake hides system packages anyway.
# The include dir holds only xsimd/, so it is safe for em++ (never -I/usr/include there).
add_library(losslab_xsimd INTERFACE)
if(NOT LOSSLAB_SIMD)
  return()
endif()
find_path(LOSSLAB_XSIMD_INCLUDE_DIR xsimd/xsimd.hpp
          PATHS "${PROJECT_SOURCE_DIR}/third_party/xsimd13/usr/include"
          NO_DEFAULT_PATH NO_CMAKE_FIND_ROOT_PATH)
if(NOT LOSSLAB_XSIMD_INCLUDE_DIR)
  message(FATAL_ERROR "xsimd 13 not found: run scripts/setup.sh (npm test / npm start do)")
endif()
target_include_directories(losslab_xsimd SYSTEM INTERFACE "${LOSSLAB_XSIMD_INCLUDE_DIR}")
if(EMSCRIPTEN)
  target_compile_options(losslab_xsimd INTERFACE -msimd128)   # xsimd 13 picks xsimd::wasm
endif()

find_package(PkgConfig)

PKG_CHECK_MODULES(PC_GR_ZCDMA gnuradio-zcdma)

FIND_PATH(
    GR_ZCDMA_INCLUDE_DIRS
    NAMES gnuradio/zcdma/api.h
    HINTS $ENV{ZCDMA_DIR}/include
        ${PC_ZCDMA_INCLUDEDIR}
    PATHS ${CMAKE_INSTALL_PREFIX}/include
          /usr/local/include
          /usr/include
)

FIND_LIBRARY(
    GR_ZCDMA_LIBRARIES
    NAMES gnuradio-zcdma
    HINTS $ENV{ZCDMA_DIR}/lib
        ${PC_ZCDMA_LIBDIR}
    PATHS ${CMAKE_INSTALL_PREFIX}/lib
          ${CMAKE_INSTALL_PREFIX}/lib64
          /usr/local/lib
          /usr/local/lib64
          /usr/lib
          /usr/lib64
          )

include("${CMAKE_CURRENT_LIST_DIR}/gnuradio-zcdmaTarget.cmake")

INCLUDE(FindPackageHandleStandardArgs)
FIND_PACKAGE_HANDLE_STANDARD_ARGS(GR_ZCDMA DEFAULT_MSG GR_ZCDMA_LIBRARIES GR_ZCDMA_INCLUDE_DIRS)
MARK_AS_ADVANCED(GR_ZCDMA_LIBRARIES GR_ZCDMA_INCLUDE_DIRS)

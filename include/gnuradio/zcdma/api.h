/* -*- c++ -*- */
/*
 * Copyright 2026 gr-zcdma authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#ifndef INCLUDED_ZCDMA_API_H
#define INCLUDED_ZCDMA_API_H

#include <gnuradio/attributes.h>

#ifdef gnuradio_zcdma_EXPORTS
#define ZCDMA_API __GR_ATTR_EXPORT
#else
#define ZCDMA_API __GR_ATTR_IMPORT
#endif

#endif /* INCLUDED_ZCDMA_API_H */

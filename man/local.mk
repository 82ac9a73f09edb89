# SPDX-License-Identifier: GPL-3.0-or-later
dist_man_MANS += man/chinwagd.8 man/chinwag.1 man/chinwag.conf.5 man/chinwagctl.8

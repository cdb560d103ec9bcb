// SPDX-License-Identifier: GPL-2.0
/*
 * Test-only module for the ARM VM (tests/vm/arm/vm-arm), never part of
 * zcdma.ko: in a real design the peripheral's own driver does this.
 *
 * 1. Puts an Exynos4210 UART (its device-tree node disabled, so no serial
 *    driver owns it) into receive-DMA mode: 8N1, FIFO on, receive mode DMA,
 *    every UART interrupt masked. QEMU then holds the UART's "Rx DMA busy"
 *    line (wired to a PL330 request input: UART1 -> pdma1 line 15) while the
 *    receive FIFO is empty, so the PL330 moves exactly the bytes that arrive.
 * 2. Writes a known 32-bit word into on-chip RAM (iRAM) for the free-running
 *    variant, whose fixed source address is that word.
 *
 *     insmod zcdma_test_uart.ko uart=0x13810000 sram=0x02028000 magic=0x5a17c0de
 */
#include <linux/io.h>
#include <linux/module.h>

#define ULCON	0x00
#define UCON	0x04
#define UFCON	0x08
#define URXH	0x24
#define UINTM	0x38

#define ULCON_8N1		0x3
#define UCON_RXMODE_DMA		0x2
#define UFCON_FIFO_RESET_ALL	0x7	/* enable, reset Rx and Tx FIFOs */
#define UINTM_ALL		0xf

static ulong uart;
module_param(uart, ulong, 0444);
MODULE_PARM_DESC(uart, "UART register base to switch to Rx DMA (0: none)");
static ulong sram;
module_param(sram, ulong, 0444);
MODULE_PARM_DESC(sram, "on-chip RAM address to fill with magic (0: none)");
static uint magic = 0x5a17c0de;
module_param(magic, uint, 0444);
MODULE_PARM_DESC(magic, "the 32-bit word written at sram");

static void __iomem *uart_base;

static int __init zcdma_test_uart_init(void)
{
	if (sram) {
		void __iomem *p = ioremap(sram, 64);
		int i;

		if (!p)
			return -ENOMEM;
		for (i = 0; i < 64; i += 4)
			writel(magic, p + i);
		iounmap(p);
		pr_info("zcdma_test_uart: %#x at %#lx\n", magic, sram);
	}
	if (!uart)
		return 0;
	uart_base = ioremap(uart, 0x3c);
	if (!uart_base)
		return -ENOMEM;
	writel(UINTM_ALL, uart_base + UINTM);
	writel(ULCON_8N1, uart_base + ULCON);
	writel(UFCON_FIFO_RESET_ALL, uart_base + UFCON);
	writel(UCON_RXMODE_DMA, uart_base + UCON);
	/*
	 * QEMU updates the busy line on a receive-buffer read, not on a UCON
	 * write: one read of the empty FIFO raises it before the first byte.
	 */
	readl(uart_base + URXH);
	pr_info("zcdma_test_uart: UART at %#lx in Rx DMA mode\n", uart);
	return 0;
}

static void __exit zcdma_test_uart_exit(void)
{
	if (uart_base) {
		writel(0, uart_base + UCON);
		iounmap(uart_base);
	}
}

module_init(zcdma_test_uart_init);
module_exit(zcdma_test_uart_exit);
MODULE_DESCRIPTION("zcdma ARM VM test: Exynos UART in Rx DMA mode, an iRAM word");
MODULE_LICENSE("GPL");

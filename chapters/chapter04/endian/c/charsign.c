/* charsign shows whether a plain char is signed on this machine: the
 * C standard leaves it to each platform's ABI. x86-64 makes it signed,
 * Arm (AAPCS) unsigned; gcc's -funsigned-char gives the Arm choice on
 * any machine.
 *
 *   cc -o charsign charsign.c && ./charsign
 *   cc -funsigned-char -o charsign charsign.c && ./charsign
 */
#include <limits.h>
#include <stdio.h>

int main(void)
{
	/* Converting 192 to a signed char is implementation-defined;
	 * gcc keeps the low 8 bits, which read as -64. */
	char c = (char)192;

	printf("plain char is %s: CHAR_MIN %d, CHAR_MAX %d, (char)192 = %d\n",
	       CHAR_MIN < 0 ? "signed" : "unsigned", CHAR_MIN, CHAR_MAX, c);
	return 0;
}

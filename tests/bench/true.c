/* true.c: exit 0.  The COMMAND of the bench-check in a cross build, of the
 * build's ABI (see bench.c, --true). */
int main(void)
{
	return 0;
}

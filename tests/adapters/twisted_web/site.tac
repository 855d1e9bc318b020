# A twistd application file: the drop-in Site under twistd, as an existing deployment has it.
#   twistd -n --pidfile= -y tests/adapters/twisted_web/site.tac   (port from ALBANY_TEST_PORT)
import os

from twisted.application import internet, service

from albany_twisted_web import Site
from tests.adapters.twisted_web.site import root

application = service.Application("albany-site")
site = Site(root)
internet.TCPServer(
    int(os.environ["ALBANY_TEST_PORT"]), site, interface="127.0.0.1"
).setServiceParent(application)
